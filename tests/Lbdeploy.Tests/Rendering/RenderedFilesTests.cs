using System.Text.Json;
using Lb.Core.Config;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Tests.Spec;

using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Rendering;

/// <summary>What the rendered files say, checked by meaning rather than by bytes (the golden tests pin the bytes).</summary>
public sealed class RenderedFilesTests
{
    private static readonly DeploymentPlan Linux = Planner.Create(RepoPaths.Combine("lb.yaml"), "lb.yaml");
    private static readonly DeploymentPlan Bmv2 = Planner.Create(RepoPaths.Combine("lb.yaml"), "lb.yaml",
        File.ReadAllText(RepoPaths.Combine("lb.yaml")).Replace("target: linux", "target: bmv2", StringComparison.Ordinal));

    [Fact]
    public void Mux_config_is_json_with_the_contract_values()
    {
        using var document = JsonDocument.Parse(Bmv2.Files["engines/h1-mux.json"]);
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("mux", root.GetProperty("role").GetString());
        Assert.Equal("h1", root.GetProperty("host").GetString());
        Assert.Equal("h1-eth0", root.GetProperty("interface").GetString());
        Assert.Equal("10.13.1.2", root.GetProperty("address").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("mac").ValueKind);
        Assert.Equal("10.13.1.1", root.GetProperty("gateway").GetProperty("address").GetString());
        Assert.Equal("00:01:0a:0d:01:02", root.GetProperty("gateway").GetProperty("mac").GetString());
        Assert.Equal(1500, root.GetProperty("mtu").GetInt32());
        Assert.Equal("/run/lbdeploy/sockets/h1-mux.sock", root.GetProperty("control_socket").GetString());
        var vip = Assert.Single(root.GetProperty("vips").EnumerateArray().ToList());
        Assert.Equal("20.0.0.1", vip.GetProperty("address").GetString());
        Assert.True(vip.GetProperty("icmp").GetBoolean());
        var port = Assert.Single(vip.GetProperty("ports").EnumerateArray().ToList());
        Assert.Equal("tcp", port.GetProperty("protocol").GetString());
        Assert.Equal(80, port.GetProperty("port").GetInt32());
        Assert.Equal(["h13", "h14", "h15", "h16"], root.GetProperty("dips").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
        Assert.Equal(["10.19.13.2", "10.19.14.2", "10.20.15.2", "10.20.16.2"], root.GetProperty("dips").EnumerateArray().Select(d => d.GetProperty("address").GetString()));
        Assert.All(root.GetProperty("dips").EnumerateArray(), d => Assert.Equal(1, d.GetProperty("weight").GetInt32()));
        Assert.Equal(["h1", "h2"], root.GetProperty("muxes").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Equal(65537, root.GetProperty("hash").GetProperty("table_size").GetInt32());
        Assert.Equal(0u, root.GetProperty("hash").GetProperty("seed").GetUInt32());
        Assert.Equal(65536, root.GetProperty("connections").GetProperty("capacity").GetInt32());
        Assert.Equal(120, root.GetProperty("connections").GetProperty("idle_timeout_seconds").GetInt32());
    }

    [Fact]
    public void Summary_bmv2_counts_are_those_of_the_rendered_commands_for_either_target()
    {
        // A linux plan counts the bmv2 entries without rendering them: the numbers must be the bmv2 plan's, and
        // those must be what its command files really add.
        Assert.Equal(Bmv2.Summary!.Switches, Linux.Summary!.Switches);
        foreach (var sw in Bmv2.Summary.Switches)
        {
            var commands = Bmv2.Files[PlanFiles.Bmv2Commands(sw.Name)].Split('\n');
            Assert.Equal(sw.Bmv2TableEntries, commands.Count(line => line.StartsWith("table_add ", StringComparison.Ordinal)));
            var groups = commands.Where(line => line.StartsWith("table_add ecmp_group_to_nhop set_nhop ", StringComparison.Ordinal))
                .Select(line => line.Split(' ')[3]).Distinct().Count();
            Assert.Equal(sw.Bmv2EcmpGroups, groups);
        }
        Assert.Contains(Bmv2.Summary.Switches, s => s.Bmv2EcmpGroups > 0);
    }

    [Fact]
    public void Health_settings_reach_every_engine_config_defaults_included()
    {
        foreach (var file in new[] { "engines/h1-mux.json", "engines/h13-agent.json" })
            Assert.Equal(new HealthConfig(500, 300, 2, 2, 1500, 9199, Enabled: true), EngineConfigLoader.Parse(Linux.Files[file], file).Health);

        var yaml = File.ReadAllText(RepoPaths.Combine("lb.yaml"))
            + "\nhealth: { enabled: false, interval: 1s, timeout: 250ms, rise: 3, fall: 1, dead_after: 2.5s, port: 9300 }\n";
        var plan = Planner.Create(RepoPaths.Combine("lb.yaml"), "lb.yaml", yaml);
        foreach (var file in new[] { "engines/h2-mux.json", "engines/h16-agent.json" })
        {
            var config = EngineConfigLoader.Parse(plan.Files[file], file);
            Assert.Equal(new HealthConfig(1000, 250, 3, 1, 2500, 9300, Enabled: false), config.Health);
            Assert.False(config.HealthEnabled);
        }
    }

    [Fact]
    public void Linux_configs_leave_the_gateway_mac_to_the_neighbour_table()
    {
        using var document = JsonDocument.Parse(Linux.Files["engines/h13-agent.json"]);
        Assert.Equal("agent", document.RootElement.GetProperty("role").GetString());
        Assert.Equal("/run/lbdeploy/sockets/h13-agent.sock", document.RootElement.GetProperty("control_socket").GetString());
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("gateway").GetProperty("mac").ValueKind);
    }

    public static TheoryData<string> EngineFiles =>
    [
        .. new[] { "lb.yaml", "examples/leafspine.yaml" }
            .SelectMany(spec => Planner.Create(RepoPaths.Combine(spec), spec).Files.Keys
                .Where(k => k.StartsWith("engines/", StringComparison.Ordinal))
                .Select(k => $"{spec}|{k}")),
    ];

    [Theory]
    [MemberData(nameof(EngineFiles))]
    public void Every_engine_config_loads_in_the_engine(string specAndFile)
    {
        var (spec, file) = (specAndFile.Split('|')[0], specAndFile.Split('|')[1]);
        var plan = Planner.Create(RepoPaths.Combine(spec), spec);
        var config = EngineConfigLoader.Parse(plan.Files[file], file);
        var planned = plan.Muxes.Select(m => (m.Host, m.Address, File: m.EngineConfigFile, Role: EngineRole.Mux))
            .Concat(plan.Dips.Select(d => (d.Host, d.Address, File: d.EngineConfigFile, Role: EngineRole.Agent)))
            .Single(x => x.File == file);
        Assert.Equal(planned.Role, config.Role);
        Assert.Equal(planned.Host, config.Host);
        Assert.Equal(planned.Address, config.Address);
        Assert.Equal(plan.Service.Vip, Assert.Single(config.Vips).Address);
        Assert.Equal(plan.Dips.Select(d => (d.Host, d.Address, d.Weight)), config.Dips.Select(d => (d.Name, d.Address, d.Weight)));
        Assert.Equal(plan.Muxes.Select(m => (m.Host, m.Address)), config.Muxes.Select(m => (m.Name, m.Address)));
    }

    [Fact]
    public void Bmv2_groups_are_numbered_by_first_use_and_shared()
    {
        var lines = Bmv2.Files["switches/bmv2/t1.txt"].Split('\n');
        Assert.Equal(["table_clear ecmp_group_to_nhop", "table_clear ipv4_lpm", "table_set_default ipv4_lpm drop"],
            lines.Where(l => !l.StartsWith('#')).Take(3));
        Assert.Contains("# simple_switch_CLI --thrift-port 9102", Bmv2.Files["switches/bmv2/t1.txt"]);
        // Group 1: the two uplinks, used by every remote host subnet; group 2: the two muxes, used by the VIP.
        Assert.Equal(14, lines.Count(l => l.StartsWith("table_add ipv4_lpm ecmp_group ", StringComparison.Ordinal) && l.EndsWith("=> 1 2", StringComparison.Ordinal)));
        // The VIP is the third decision a flow meets (after the leaf and aggregation uplinks): stride 4, 8 members,
        // member i -> mux (i / 4 + i mod 4) mod 2.
        Assert.Contains("table_add ipv4_lpm ecmp_group 20.0.0.1/32 => 2 8", lines);
        string[] muxMacs = ["00:00:0a:0d:01:02 1", "00:00:0a:0d:02:02 2"];
        for (var member = 0; member < 8; member++)
            Assert.Contains($"table_add ecmp_group_to_nhop set_nhop 2 {member} => {muxMacs[(member / 4 + member % 4) % 2]}", lines);
        Assert.Contains("table_add ipv4_lpm set_nhop 10.13.1.2/32 => 00:00:0a:0d:01:02 1", lines);
        // Members of a group come before the first entry that uses it.
        Assert.True(Array.IndexOf(lines, "table_add ecmp_group_to_nhop set_nhop 2 7 => 00:00:0a:0d:01:02 1")
            < Array.IndexOf(lines, "table_add ipv4_lpm ecmp_group 20.0.0.1/32 => 2 8"));
    }

    [Fact]
    public void Linux_routes_use_the_three_forms()
    {
        var t1 = Linux.Files["switches/linux/t1.sh"];
        Assert.Contains("\nip route replace 10.13.1.2/32 dev t1-eth1\n", t1);
        // ECMP: each next-hop set is spelled once as a variable, the routes expand it.
        Assert.Contains("\necmp2='nexthop via 10.13.1.2 dev t1-eth1 nexthop via 10.13.2.2 dev t1-eth2'\n", t1);
        Assert.Contains("\nip route replace 20.0.0.1/32 $ecmp2\n", t1);
        Assert.Contains("\nsysctl -qw net.ipv4.fib_multipath_hash_policy=3\nsysctl -qw net.ipv4.fib_multipath_hash_fields=0x0df7\n", t1);
        Assert.Contains($"\n  sysctl -qw net.ipv4.fib_multipath_hash_seed={Lbdeploy.Ecmp.KernelMultipath.SwitchSeed(1, "t1")}\n", t1);
        Assert.Contains("\nsysctl -qw net.ipv4.conf.t1-eth4.rp_filter=2\n", t1);
        // A core switch has one way down to each pod: plain `via` routes.
        Assert.Matches(@"\nip route replace 10\.13\.1\.0/24 via 20\.\d+\.\d+\.\d+ dev c1-eth\d\n", Linux.Files["switches/linux/c1.sh"]);
        Assert.Contains("ip route del 20.0.0.1/32 2>/dev/null || true", Linux.Files["switches/linux/t1.down.sh"]);
    }

    [Fact]
    public void Dip_scripts_put_the_vip_up_and_take_it_down()
    {
        var up = Linux.Files["hosts/h13/vip-up.sh"];
        Assert.Contains("ip addr replace 20.0.0.1/32 dev h13-eth0", up);
        Assert.Contains("sysctl -qw net.ipv4.conf.all.arp_ignore=2", up);
        Assert.Contains("sysctl -qw net.ipv4.conf.h13-eth0.arp_announce=2", up);
        Assert.Contains("ip route replace default via 10.19.13.1 dev h13-eth0 advmss 1440", up);
        var down = Linux.Files["hosts/h13/vip-down.sh"];
        Assert.Contains("ip addr del 20.0.0.1/32 dev h13-eth0", down);
        Assert.Contains("ip route replace default via 10.19.13.1 dev h13-eth0\n", down);
    }

    [Fact]
    public void Second_chance_gives_agents_the_other_dips_as_peers_and_the_dips_room_for_the_option()
    {
        var plan = Planner.Create(RepoPaths.Combine("lb.yaml"), "lb.yaml",
            File.ReadAllText(RepoPaths.Combine("lb.yaml")).Replace("engine:\n", "engine:\n  second_chance: { enabled: true, retention: 15m }\n", StringComparison.Ordinal));
        var agent = EngineConfigLoader.Parse(plan.Files["engines/h13-agent.json"], "h13-agent.json");
        Assert.Equal(new SecondChanceConfig(true, 900), agent.SecondChance! with { Peers = [] });
        Assert.Equal(["h14", "h15", "h16"], agent.SecondChance!.Peers.Select(p => p.Name));
        Assert.Equal("10.19.14.2", agent.SecondChance.Peers[0].Address.ToString());
        var mux = EngineConfigLoader.Parse(plan.Files["engines/h1-mux.json"], "h1-mux.json");
        Assert.True(mux.SecondChanceEnabled);
        Assert.Empty(mux.SecondChance!.Peers);
        // 20 bytes of IP-in-IP and up to 16 of option: MSS 1500 - 36 - 40.
        Assert.Contains("advmss 1424", plan.Files["hosts/h13/vip-up.sh"]);
        Assert.Null(EngineConfigLoader.Parse(Linux.Files["engines/h13-agent.json"], "h13-agent.json").SecondChance);
    }

    [Fact]
    public void The_plan_points_into_its_files()
    {
        foreach (var s in Linux.Switches)
        {
            Assert.True(Linux.Files.ContainsKey(s.LinuxScriptFile));
            Assert.True(Linux.Files.ContainsKey(s.LinuxTeardownFile));
            Assert.False(Linux.Files.ContainsKey(s.Bmv2CommandsFile)); // only the target's switch files are rendered
        }
        foreach (var dip in Linux.Dips)
        {
            Assert.True(Linux.Files.ContainsKey(dip.VipUpScriptFile));
            Assert.True(Linux.Files.ContainsKey(dip.VipDownScriptFile));
            Assert.True(Linux.Files.ContainsKey(dip.EngineConfigFile));
        }
        Assert.All(Linux.Muxes, m => Assert.True(Linux.Files.ContainsKey(m.EngineConfigFile)));
        var docroot = RepoPaths.Combine("examples", "wwwroot");
        Assert.Equal(docroot, Linux.Service.DocRoot);
        Assert.Equal($"php -S 20.0.0.1:80 -t {docroot}", Linux.Dips[0].ServerCommand);
        Assert.Equal("/streaming.html", Linux.Service.VerifyPath);
        Assert.Equal(["h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11", "h12"], Linux.Clients.ToArray());
        Assert.Equal(SwitchTarget.Linux, Linux.Target);
        Assert.Equal(SwitchTarget.Bmv2, Bmv2.Target);
    }

    [Fact]
    public void Summary_json_round_trips()
    {
        using var document = JsonDocument.Parse(Linux.Files[PlanFiles.Json]);
        Assert.Equal("linux", document.RootElement.GetProperty("target").GetString());
        Assert.Equal(20, document.RootElement.GetProperty("switches").GetArrayLength());
        Assert.Equal(0.25, document.RootElement.GetProperty("dips")[0].GetProperty("share").GetDouble(), 3);
    }
}
