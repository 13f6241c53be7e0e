using Lbdeploy.Planning;
using Lbdeploy.Common;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Spec;

/// <summary>
/// The Ansible YAML inventory lb.yaml names: Ansible's structure and variable precedence, lbdeploy's defaults, and
/// one located line for every bad value, all at once.
/// </summary>
public sealed class InventoryReaderTests : IDisposable
{
    private readonly SpecDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private static readonly InventoryNode[] TwoHosts = [new("h1", "h1-eth0"), new("h2", "h2-eth0")];

    private InventoryReadResult Parse(string yaml, IReadOnlyList<InventoryNode>? nodes = null) =>
        InventoryReader.Parse(yaml, Path.Combine(directory.Path, "hosts.yml"), "hosts.yml", nodes ?? TwoHosts);

    private Inventory Valid(string yaml, IReadOnlyList<InventoryNode>? nodes = null)
    {
        var result = Parse(yaml, nodes);
        Assert.Empty(result.Diagnostics);
        return result.Inventory!;
    }

    private string[] Errors(string yaml, IReadOnlyList<InventoryNode>? nodes = null)
    {
        var result = Parse(yaml, nodes);
        Assert.Null(result.Inventory);
        return [.. result.Diagnostics.Select(d => d.ToString())];
    }

    [Fact]
    public void Defaults_fill_what_the_inventory_leaves_out()
    {
        var inventory = Valid("""
            all:
              hosts:
                h1:
                h2: { ansible_host: 192.0.2.12 }
            """);
        var h1 = inventory.HostOf("h1");
        Assert.Equal(new InventoryHost("h1", "h1", Environment.UserName, 22, null, null, "h1-eth0", "/opt/lbdeploy"), h1);
        Assert.Equal("192.0.2.12", inventory.HostOf("h2").Address);
    }

    [Fact]
    public void Deeper_groups_override_shallower_ones_and_host_variables_override_groups()
    {
        File.WriteAllText(Path.Combine(directory.Path, "id_test"), "key");
        var inventory = Valid("""
            all:
              vars:
                ansible_user: admin
                ansible_port: 2200
                some_playbook_var: "{{ anything }}"
              children:
                lb:
                  vars: { ansible_user: deploy, lbdeploy_root: /srv/lb }
                  children:
                    muxes:
                      vars: { ansible_user: muxer }
                      hosts:
                        h1: { ansible_host: 192.0.2.11, ansible_ssh_private_key_file: id_test }
                servers:
                  hosts:
                    h2: { ansible_host: 192.0.2.12, ansible_user: root, lbdeploy_interface: h2-eth0 }
                    db01.example.com: { ansible_port: "{{ not_ours }}" }
            """);
        var h1 = inventory.HostOf("h1");
        Assert.Equal(("muxer", 2200, "/srv/lb"), (h1.User, h1.Port, h1.Root));
        Assert.Equal(Path.Combine(directory.Path, "id_test"), h1.KeyFile);
        Assert.True(h1.NeedsSudo);
        var h2 = inventory.HostOf("h2");
        Assert.Equal(("root", 2200, "/opt/lbdeploy"), (h2.User, h2.Port, h2.Root));
        Assert.False(h2.NeedsSudo);
        Assert.Equal(2, inventory.Hosts.Count); // db01 is not a node of the deployment
    }

    [Fact]
    public void A_top_level_group_other_than_all_is_a_child_of_all()
    {
        var inventory = Valid("""
            all:
              vars: { ansible_user: admin }
            fabric:
              vars: { ansible_user: deploy }
              hosts: { h1: , h2: }
            """);
        Assert.Equal("deploy", inventory.HostOf("h2").User);
    }

    public static TheoryData<string, string, string[]> Cases => new()
    {
        {
            "a node without a machine", "all:\n  hosts:\n    h1:\n",
            ["hosts.yml:1:1: error: no machine for h2: every node the deployment acts on needs one; add each under all.hosts with its ansible_host"]
        },
        {
            "misspelt lbdeploy variable", "all:\n  hosts: { h1: , h2: }\n  vars:\n    lbdeploy_interfce: eth1\n",
            ["hosts.yml:4:5: error: all.vars.lbdeploy_interfce: unknown variable 'lbdeploy_interfce'; did you mean 'lbdeploy_interface'?"]
        },
        {
            "misspelt group key", "all:\n  host: { h1: , h2: }\n",
            ["hosts.yml:1:1: error: no machine for h1, h2: every node the deployment acts on needs one; add each under all.hosts with its ansible_host", "hosts.yml:2:3: error: all.host: unknown key 'host'; did you mean 'hosts'?"]
        },
        {
            "an address ssh would read as an option", "all:\n  hosts:\n    h1: { ansible_host: -oProxyCommand=x }\n    h2:\n",
            ["hosts.yml:3:25: error: all.hosts.h1.ansible_host: '-oProxyCommand=x' is not a host address; write a DNS name or an IP address (letters, digits, '.', ':', '-', at most 253 characters), e.g. 192.0.2.11"]
        },
        {
            "a bad group variable is reported once", "all:\n  vars: { ansible_port: 70000 }\n  hosts: { h1: , h2: }\n",
            ["hosts.yml:2:25: error: all.vars.ansible_port: ansible_port 70000 is out of range; use 1-65535"]
        },
        {
            "a Jinja template", "all:\n  hosts:\n    h1: { ansible_user: \"{{ user }}\" }\n    h2:\n",
            ["hosts.yml:3:25: error: all.hosts.h1.ansible_user: '{{ user }}' is a Jinja template and lbdeploy does not expand templates; write the value itself"]
        },
        {
            "a user name with a space", "all:\n  hosts:\n    h1: { ansible_user: 'a b' }\n    h2:\n",
            ["hosts.yml:3:25: error: all.hosts.h1.ansible_user: 'a b' is not a user name; use letters, digits, '_', '.', '-', starting with a letter or '_', at most 32 characters"]
        },
        {
            "an interface the topology does not name", "all:\n  hosts:\n    h1: { lbdeploy_interface: eth1 }\n    h2:\n",
            ["hosts.yml:3:31: error: all.hosts.h1.lbdeploy_interface: h1's fabric interface is h1-eth0 in the topology, not eth1: the plan's scripts and engine config name the topology's; rename the interface on the machine (ip link set eth1 name h1-eth0) or write the topology with the machine's names"]
        },
        {
            "a relative root", "all:\n  vars: { lbdeploy_root: opt/lb }\n  hosts: { h1: , h2: }\n",
            ["hosts.yml:2:26: error: all.vars.lbdeploy_root: 'opt/lb' is not a folder lbdeploy can own; write an absolute path of letters, digits, '_', '.', '-' (no '..', not /), at most 55 characters, e.g. /opt/lbdeploy"]
        },
        {
            "a root that climbs out", "all:\n  vars: { lbdeploy_root: /opt/../etc }\n  hosts: { h1: , h2: }\n",
            ["hosts.yml:2:26: error: all.vars.lbdeploy_root: '/opt/../etc' is not a folder lbdeploy can own; write an absolute path of letters, digits, '_', '.', '-' (no '..', not /), at most 55 characters, e.g. /opt/lbdeploy"]
        },
        {
            "two nodes sharing one machine and root", "all:\n  hosts:\n    h1: { ansible_host: 192.0.2.1 }\n    h2: { ansible_host: 192.0.2.1 }\n",
            ["hosts.yml:4:25: error: all.hosts.h2.ansible_host: h2 and h1 are the same machine (192.0.2.1:22) with the same lbdeploy_root /opt/lbdeploy; give each node its own lbdeploy_root"]
        },
        {
            "a key file that does not exist", "all:\n  hosts:\n    h1: { ansible_ssh_private_key_file: keys/none }\n    h2:\n",
            ["hosts.yml:3:41: error: all.hosts.h1.ansible_ssh_private_key_file: 'keys/none' does not exist (looked for {dir}/keys/none); generate one with ssh-keygen, or fix the path (relative to the inventory)"]
        },
        {
            "hosts as a list", "all:\n  hosts: [h1, h2]\n",
            ["hosts.yml:1:1: error: no machine for h1, h2: every node the deployment acts on needs one; add each under all.hosts with its ansible_host",
             "hosts.yml:2:10: error: all.hosts: expected a mapping of hosts such as { h1: { ansible_host: 192.0.2.1 }, h2: }, got a list"]
        },
        {
            "all as a child", "all:\n  hosts: { h1: , h2: }\n  children:\n    all:\n",
            ["hosts.yml:4:5: error: all.children.all: 'all' is the root group and cannot be a child; rename this group"]
        },
        {
            "an empty file", "",
            ["hosts.yml:1:1: error: the inventory is empty; map each node under all.hosts (see README.md, Real machines)"]
        },
        {
            "a list instead of groups", "- h1\n- h2\n",
            ["hosts.yml:1:1: error: expected an Ansible YAML inventory (a mapping such as all: { hosts: { h1: { ansible_host: 192.0.2.1 } } }), got a list"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_mistake_is_one_located_line(string name, string yaml, string[] expected)
    {
        _ = name;
        Assert.Equal([.. expected.Select(e => e.Replace("{dir}", directory.Path, StringComparison.Ordinal))], Errors(yaml));
    }

    [Fact]
    public void A_switch_has_no_fabric_interface_variable()
    {
        var errors = Errors("all:\n  hosts:\n    s1: { lbdeploy_interface: eth0 }\n", [new InventoryNode("s1", null)]);
        Assert.Equal(["hosts.yml:3:31: error: all.hosts.s1.lbdeploy_interface: s1 is a switch: its ports are the topology's interface names, so lbdeploy_interface means nothing there; remove it (or set it for hosts only)"], errors);
    }

    [Fact]
    public void The_spec_loader_maps_every_host_and_switch_of_the_fabric()
    {
        var spec = directory.Write("topology: fattree.json\ninventory: hosts.yml\nvip: { address: 20.0.0.1 }\nmuxes: [h1, h2]\ndips: [h13, h14]\n");
        directory.Write("all:\n  hosts:\n    h1:\n", "hosts.yml");
        var error = Assert.Throws<SpecException>(() => SpecLoader.Load(spec, "lb.yaml"));
        var line = Assert.Single(error.Diagnostics);
        Assert.Equal("hosts.yml:1:1: error: no machine for h2, h3, h4, h5, h6, h7, h8, h9 and 27 more: every node the deployment acts on needs one; add each under all.hosts with its ansible_host", line.ToString().Replace(directory.Path + "/", "", StringComparison.Ordinal));
    }

    [Fact]
    public void The_bmv2_target_takes_no_inventory()
    {
        var spec = directory.Write("topology: fattree.json\ninventory: hosts.yml\nvip: { address: 20.0.0.1 }\nmuxes: [h1, h2]\ndips: [h13, h14]\nswitches: { target: bmv2 }\n");
        var error = Assert.Throws<SpecException>(() => SpecLoader.Load(spec, "lb.yaml"));
        Assert.Equal("lb.yaml:2:1: error: inventory: the bmv2 target runs simple_switch on this machine and has no real switches to reach over SSH; remove inventory, or set switches.target: linux", Assert.Single(error.Diagnostics).ToString());
    }

    [Fact]
    public void The_frr_target_takes_no_inventory_yet()
    {
        var spec = directory.Write("topology: fattree.json\ninventory: hosts.yml\nvip: { address: 20.0.0.1 }\nmuxes: [h1, h2]\ndips: [h13, h14]\nswitches: { target: frr }\n");
        var error = Assert.Throws<SpecException>(() => SpecLoader.Load(spec, "lb.yaml"));
        Assert.Equal("lb.yaml:2:1: error: inventory: the frr target runs FRR on the testbed only (not over SSH yet); remove inventory, or set switches.target: linux", Assert.Single(error.Diagnostics).ToString());
    }

    [Fact]
    public void A_complete_inventory_loads_with_the_spec()
    {
        var spec = directory.Write("topology: fattree.json\ninventory: hosts.yml\nvip: { address: 20.0.0.1 }\nmuxes: [h1, h2]\ndips: [h13, h14]\n");
        var hosts = string.Join("\n", Enumerable.Range(1, 16).Select(i => $"    h{i}: {{ ansible_host: 192.0.2.{i} }}"));
        var switches = string.Join("\n", new[] { "a", "c", "t" }.SelectMany(tier => Enumerable.Range(1, tier == "c" ? 4 : 8).Select(i => $"    {tier}{i}: {{ ansible_host: 192.0.2.{(tier == "a" ? 100 : tier == "c" ? 120 : 140) + i} }}")));
        directory.Write($"all:\n  hosts:\n{hosts}\n{switches}\n", "hosts.yml");
        var loaded = SpecLoader.Load(spec, "lb.yaml");
        Assert.Equal(36, loaded.Inventory!.Hosts.Count);
        Assert.Equal("192.0.2.13", loaded.Inventory.HostOf("h13").Address);

        // Each engine's control socket lies below its machine's lbdeploy_root, as the engines run there.
        Assert.Equal("/opt/lbdeploy/sockets/h1-mux.sock", loaded.Engines.Muxes.Single(m => m.Host == "h1").ControlSocket);
        Assert.Equal("/opt/lbdeploy/sockets/h13-agent.sock", loaded.Engines.Agents.Single(a => a.Host == "h13").ControlSocket);

        // The plan carries it, the testbed refuses a plan for real machines, and no mux watcher is planned for them.
        var plan = Planner.Create(spec, "lb.yaml");
        Assert.Same(plan.Inventory!.HostOf("h1"), plan.Inventory.HostOf("h1"));
        var refusal = Assert.Throws<RunnerException>(() => Lbdeploy.Runner.NetworkLocator.RequireTestbedPlan(plan));
        Assert.Equal($"{spec} names the inventory hosts.yml: it deploys onto those machines over SSH, not onto the testbed; remove inventory: from lb.yaml to deploy onto the testbed",
            refusal.Message.Replace(directory.Path + "/hosts.yml", "hosts.yml", StringComparison.Ordinal));
        Assert.False(Lbdeploy.Runner.WatcherProcess.IsWanted(plan));
    }
}
