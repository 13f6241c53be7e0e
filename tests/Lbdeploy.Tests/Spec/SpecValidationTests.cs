using Lb.Core.Config;
using Lbdeploy.Common;
using Lbdeploy.Planning;
using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Spec;

/// <summary>
/// Every kind of spec mistake yields one located, one-line diagnostic with the exact wording users see, and all
/// problems of a file are reported together.
/// </summary>
public sealed class SpecValidationTests : IDisposable
{
    private readonly SpecDirectory directory = new();

    public void Dispose() => directory.Dispose();

    // Line numbers below refer to this layout; each case edits one part of it.
    private const string Valid = """
        topology: fattree.json
        vip:
          address: 20.0.0.1
        muxes: [h1, h2]
        dips: [h13, h14]
        """;

    private const string Fix = "choose an address outside every fabric subnet, e.g. 20.0.0.1";

    public static TheoryData<string, string, string[]> Cases => new()
    {
        {
            "misspelt root key", Valid.Replace("dips:", "dip:"),
            ["lb.yaml:5:1: error: dip: unknown key 'dip'; did you mean 'dips'?"]
        },
        {
            "misspelt nested key", Valid.Replace("  address:", "  adress:"),
            ["lb.yaml:3:3: error: vip.adress: unknown key 'adress'; did you mean 'address'?"]
        },
        {
            "unknown key without a near match", Valid + "\ncolour: blue",
            ["lb.yaml:6:1: error: colour: unknown key 'colour'; expected one of: topology, inventory, vip, muxes, dips, clients, switches, bgp, engine, health, servers, verify"]
        },
        {
            "scalar instead of a list", Valid.Replace("muxes: [h1, h2]", "muxes: h1"),
            ["lb.yaml:4:8: error: muxes: expected a list of host names such as [h1, h2], got 'h1'"]
        },
        {
            "missing required key", Valid.Replace("vip:\n  address: 20.0.0.1\n", ""),
            ["lb.yaml:1:1: error: required key 'vip' is missing"]
        },
        {
            "DIP listed twice", Valid.Replace("[h13, h14]", "[h13, h13]"),
            ["lb.yaml:5:13: error: dips[1]: host 'h13' is listed twice (also dips[0]); remove one"]
        },
        {
            "DIP not in the topology", Valid.Replace("[h13, h14]", "[h13, h17]"),
            ["lb.yaml:5:13: error: dips[1]: host 'h17' is not in the topology (hosts: h1..h16); use one of them"]
        },
        {
            "mux is a switch", Valid.Replace("[h1, h2]", "[t1, h2]"),
            ["lb.yaml:4:9: error: muxes[0]: 't1' is a switch, not a host (hosts: h1..h16); use one of them"]
        },
        {
            "host both mux and DIP", Valid.Replace("[h13, h14]", "[h2, h14]"),
            ["lb.yaml:5:8: error: dips[0]: host 'h2' is already a mux (muxes[1]); a host plays one role: mux, DIP or client"]
        },
        {
            "client is a DIP", Valid + "\nclients: [h3, h14]",
            ["lb.yaml:6:15: error: clients[1]: host 'h14' is already a DIP (dips[1]); a host plays one role: mux, DIP or client"]
        },
        {
            "VIP inside a host subnet", Valid.Replace("20.0.0.1", "10.13.1.7"),
            [$"lb.yaml:3:12: error: vip.address: 10.13.1.7 is inside host h1's subnet 10.13.1.0/24; {Fix}"]
        },
        {
            "VIP equal to a host address", Valid.Replace("20.0.0.1", "10.19.13.2"),
            [$"lb.yaml:3:12: error: vip.address: 10.19.13.2 is the address of host h13; {Fix}"]
        },
        {
            "VIP inside a fabric link subnet", Valid.Replace("20.0.0.1", "20.13.1.9"),
            [$"lb.yaml:3:12: error: vip.address: 20.13.1.9 is inside the subnet 20.13.1.0/24 of link t1-a1; {Fix}"]
        },
        {
            "empty DIP list", Valid.Replace("[h13, h14]", "[]"),
            ["lb.yaml:5:7: error: dips: no DIPs; list at least one server host, e.g. [h13, h14]"]
        },
        {
            "every DIP drained", Valid.Replace("[h13, h14]", "[{ host: h13, weight: 0 }]"),
            ["lb.yaml:5:7: error: dips: every DIP has weight 0 (drained); give at least one a positive weight"]
        },
        {
            "invalid VIP address", Valid.Replace("20.0.0.1", "20.0.0.256"),
            ["lb.yaml:3:12: error: vip.address: '20.0.0.256' is not an IPv4 address; write four numbers 0-255, e.g. 20.0.0.1"]
        },
        {
            "multicast VIP", Valid.Replace("20.0.0.1", "224.0.0.1"),
            ["lb.yaml:3:12: error: vip.address: 224.0.0.1 is not a unicast address; use an ordinary address outside the fabric's subnets, e.g. 20.0.0.1"]
        },
        {
            "Maglev table size not prime", Valid + "\nengine:\n  hash: { table_size: 65536 }",
            ["lb.yaml:7:23: error: engine.hash.table_size: 65536 is not prime; Maglev needs a prime table size, e.g. 65537"]
        },
        {
            "Maglev table smaller than the DIP list", Valid + "\nengine:\n  hash: { table_size: 2 }",
            ["lb.yaml:7:23: error: engine.hash.table_size: table_size 2 is out of range; use 3-16777259"]
        },
        {
            "Maglev table too small for the DIPs", Valid.Replace("[h13, h14]", "[h13, h14, h15]") + "\nengine:\n  hash: { table_size: 3 }",
            ["lb.yaml:7:23: error: engine.hash.table_size: 3 slots are too few for 3 DIPs; use a prime at least 100 times the DIP count, e.g. 307"]
        },
        {
            "unknown target", Valid + "\nswitches:\n  target: bmv3",
            ["lb.yaml:7:11: error: switches.target: unknown target 'bmv3'; use linux, bmv2 or frr (did you mean 'bmv2'?)"]
        },
        {
            "topology file missing", Valid.Replace("fattree.json", "nowhere.json"),
            ["lb.yaml:1:11: error: topology: cannot read 'nowhere.json': file not found; fix the topology: path in lb.yaml"]
        },
        {
            "negative weight", Valid.Replace("[h13, h14]", "[h13, { host: h14, weight: -1 }]"),
            ["lb.yaml:5:34: error: dips[1].weight: weight -1 is out of range; use 0-1000"]
        },
        {
            "weight not a number", Valid.Replace("[h13, h14]", "[h13, { host: h14, weight: heavy }]"),
            ["lb.yaml:5:34: error: dips[1].weight: expected a whole number for weight (0-1000), got 'heavy'"]
        },
        {
            "port out of range", Valid.Replace("20.0.0.1\n", "20.0.0.1\n  ports: [70000/tcp]\n"),
            ["lb.yaml:4:11: error: vip.ports[0]: port 70000 is out of range; use 1-65535"]
        },
        {
            "unknown protocol", Valid.Replace("20.0.0.1\n", "20.0.0.1\n  ports: [80/tcp, { port: 53, protocol: sctp }]\n"),
            ["lb.yaml:4:41: error: vip.ports[1].protocol: unknown protocol 'sctp'; use tcp or udp"]
        },
        {
            "port written wrongly", Valid.Replace("20.0.0.1\n", "20.0.0.1\n  ports: [http]\n"),
            ["lb.yaml:4:11: error: vip.ports[0]: 'http' is not a port; write PORT/PROTOCOL, e.g. 80/tcp or 53/udp"]
        },
        {
            "unknown packet I/O path", Valid + "\nengine:\n  packet_io: rings",
            ["lb.yaml:7:14: error: engine.packet_io: unknown packet_io 'rings'; use ring (AF_PACKET rings, the default), pcap (libpcap) or xdp (AF_XDP) (did you mean 'ring'?)"]
        },
        {
            "bad duration", Valid + "\nengine:\n  connections: { idle_timeout: 2 minutes }",
            ["lb.yaml:7:32: error: engine.connections.idle_timeout: '2 minutes' is not a duration; write a number with a unit, e.g. 90s, 2m or 1h30m"]
        },
        {
            "second chance retention not a duration", Valid + "\nengine:\n  second_chance: { enabled: true, retention: 2d }",
            ["lb.yaml:7:46: error: engine.second_chance.retention: '2d' is not a duration; write a number with a unit, e.g. 10m or 1h"]
        },
        {
            "second chance retention too long", Valid + "\nengine:\n  second_chance: { enabled: true, retention: 25h }",
            ["lb.yaml:7:46: error: engine.second_chance.retention: retention 25h is out of range; use 1s to 24h"]
        },
        {
            "hash seed on bmv2", Valid + "\nswitches: { target: bmv2, hash_seed: 7 }",
            ["lb.yaml:6:27: error: switches.hash_seed: hash_seed seeds the Linux routers' multipath hash and the bmv2 target has none; remove it or set switches.target: linux or frr"]
        },
        {
            "hash seed 0 (the kernel's random)", Valid + "\nswitches: { hash_seed: 0 }",
            ["lb.yaml:6:24: error: switches.hash_seed: hash_seed 0 is out of range; use 1-4294967295"]
        },
        {
            "second chance on bmv2", Valid + "\nswitches: { target: bmv2 }\nengine:\n  second_chance: { enabled: true }",
            ["lb.yaml:8:29: error: engine.second_chance.enabled: the second chance needs the linux or frr target: p4/ecmp.p4 checksums 20-byte IPv4 headers and the option makes the outer header longer; set switches.target: linux, or enabled: false"]
        },
        {
            "not a boolean", Valid.Replace("20.0.0.1\n", "20.0.0.1\n  icmp: sometimes\n"),
            ["lb.yaml:4:9: error: vip.icmp: expected true or false, got 'sometimes'"]
        },
        {
            "unknown server placeholder", Valid + "\nservers:\n  command: php -S {vip}:80 -t {dcroot}",
            ["lb.yaml:7:12: error: servers.command: unknown placeholder '{dcroot}'; did you mean '{docroot}'? (placeholders: {vip} {docroot} {host} {port})"]
        },
        {
            "missing docroot", Valid + "\nservers:\n  docroot: www",
            [$"lb.yaml:7:12: error: servers.docroot: directory 'www' does not exist (looked for {{dir}}/www); create it or fix the path (relative to the spec)"]
        },
        {
            "verify path without slash", Valid + "\nverify:\n  path: index.html",
            ["lb.yaml:7:9: error: verify.path: 'index.html' is not a URL path: start it with '/', e.g. /streaming.html"]
        },
        {
            "health duration without a unit", Valid + "\nhealth:\n  interval: fast",
            ["lb.yaml:7:13: error: health.interval: 'fast' is not a duration; write a number with a unit, e.g. 500ms, 1.5s or 2s (whole milliseconds)"]
        },
        {
            "health interval too short", Valid + "\nhealth: { interval: 20ms }",
            ["lb.yaml:6:21: error: health.interval: interval 20ms is out of range; use 50ms to 1m"]
        },
        {
            "health timeout not shorter than the interval", Valid + "\nhealth: { interval: 500ms, timeout: 0.5s }",
            ["lb.yaml:6:37: error: health.timeout: timeout 500ms must be shorter than interval 500ms: a probe ends before the next starts; e.g. timeout: 300ms with interval: 500ms"]
        },
        {
            "health dead_after not longer than the interval", Valid + "\nhealth: { interval: 1s, dead_after: 1s }",
            ["lb.yaml:6:37: error: health.dead_after: dead_after 1s must be longer than interval 1s, or one late report takes a DIP down; use about 3 intervals, e.g. dead_after: 1.5s with interval: 500ms"]
        },
        {
            "health interval shorter than the default timeout", Valid + "\nhealth: { interval: 200ms }",
            ["lb.yaml:6:21: error: health.interval: timeout 300ms must be shorter than interval 200ms: a probe ends before the next starts; e.g. timeout: 300ms with interval: 500ms"]
        },
        {
            "health rule about a rejected interval left out", Valid + "\nhealth: { interval: 20ms, timeout: 600ms }",
            ["lb.yaml:6:21: error: health.interval: interval 20ms is out of range; use 50ms to 1m"]
        },
        {
            "port listed twice", Valid.Replace("20.0.0.1\n", "20.0.0.1\n  ports: [80/tcp, 80/tcp]\n"),
            ["lb.yaml:4:19: error: vip.ports[1]: port 80/tcp is listed twice (also vip.ports[0]); remove one"]
        },
        {
            "VIP serving nothing", Valid.Replace("20.0.0.1\n", "20.0.0.1\n  ports: []\n  icmp: false\n"),
            ["lb.yaml:4:10: error: vip.ports: the VIP serves nothing (no ports and icmp: false); list at least one port, e.g. 80/tcp"]
        },
        {
            "health counts and port out of range", Valid + "\nhealth: { rise: 0, port: 70000, colour: red }",
            [
                "lb.yaml:6:17: error: health.rise: rise 0 is out of range; use 1-100",
                "lb.yaml:6:26: error: health.port: port 70000 is out of range; use 1-65535",
                "lb.yaml:6:33: error: health.colour: unknown key 'colour'; expected one of: enabled, interval, timeout, rise, fall, dead_after, port, http",
            ]
        },
        {
            "YAML syntax error", Valid.Replace("muxes: [h1, h2]", "muxes: [h1, h2] h3"),
            ["lb.yaml:4:17: error: not valid YAML: expected a key here; check the indentation (the keys of one mapping start in the same column)"]
        },
        {
            "YAML ending inside a list", Valid.Replace("dips: [h13, h14]", "dips: [h13, h14"),
            ["lb.yaml:5:7: error: not valid YAML: this [ is never closed; close the list with ] (on the same line is clearest)"]
        },
        {
            "duplicate key", Valid + "\nmuxes: [h3]",
            ["lb.yaml:6:1: error: muxes: key 'muxes' appears twice in this mapping (also on line 4); keep one"]
        },
        {
            "not a mapping at the top", "- h1\n- h2\n",
            ["lb.yaml:1:1: error: expected a mapping of name: value lines, got a list"]
        },
        {
            "unclosed list before more keys", Valid.Replace("muxes: [h1, h2]", "muxes: [h1, h2"),
            ["lb.yaml:4:8: error: not valid YAML: this [ is never closed; close the list with ] (on the same line is clearest)"]
        },
        {
            "several problems at once", Valid.Replace("20.0.0.1", "10.13.1.7").Replace("[h13, h14]", "[h13, h99]") + "\nswitches: { target: p4 }",
            [
                $"lb.yaml:3:12: error: vip.address: 10.13.1.7 is inside host h1's subnet 10.13.1.0/24; {Fix}",
                "lb.yaml:5:13: error: dips[1]: host 'h99' is not in the topology (hosts: h1..h16); use one of them",
                "lb.yaml:6:21: error: switches.target: unknown target 'p4'; use linux, bmv2 or frr",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_each_problem_as_one_located_line(string name, string yaml, string[] expected)
    {
        var path = directory.Write(yaml);
        var error = Assert.Throws<SpecException>(() => SpecLoader.Load(path, "lb.yaml"));
        var actual = error.Diagnostics.Select(d => d.ToString()).ToArray();
        Assert.True(expected.Select(e => e.Replace("{dir}", directory.Path)).SequenceEqual(actual),
            $"{name}:\nexpected:\n  {string.Join("\n  ", expected)}\nactual:\n  {string.Join("\n  ", actual)}");
    }

    [Fact]
    public void Malformed_topology_json_is_reported_in_the_topology_file()
    {
        File.WriteAllText(Path.Combine(directory.Path, "broken.json"), "{ \"topology\": { \"hosts\": [ }");
        var path = directory.Write(Valid.Replace("fattree.json", "broken.json"));
        var error = Assert.Throws<SpecException>(() => SpecLoader.Load(path, "lb.yaml"));
        var line = Assert.Single(error.Diagnostics).ToString();
        Assert.EndsWith("broken.json:1:28: error: malformed JSON ('}' is an invalid start of a value); fix the syntax at that position", line);
    }

    [Fact]
    public void A_valid_spec_gets_every_default()
    {
        var loaded = SpecLoader.Load(directory.Write(Valid), "lb.yaml");
        var spec = loaded.Spec;
        Assert.Equal("20.0.0.1", spec.Vip.Address.ToString());
        Assert.Equal([new PortSpec(80, TransportProtocol.Tcp)], spec.Vip.Ports.ToArray());
        Assert.True(spec.Vip.Icmp);
        Assert.Equal(SwitchTarget.Linux, spec.Target);
        Assert.Equal(Lbdeploy.Spec.LbSpec.DefaultFabricHashSeed, spec.FabricHashSeed);
        Assert.Equal(EngineSpec.Default, spec.Engine);
        Assert.Equal(new HealthSpec(true, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(300), 2, 2, TimeSpan.FromMilliseconds(1500), 9199), spec.Health);
        Assert.Equal(ServersSpec.DefaultCommand, spec.Servers.Command);
        Assert.Equal(Path.Combine(directory.Path, "wwwroot"), spec.Servers.DocRoot);
        Assert.Equal(VerifySpec.DefaultPath, spec.Verify.Path);
        Assert.Equal([new DipSpec("h13", 1), new DipSpec("h14", 1)], spec.Dips.ToArray());
        Assert.Equal(["h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11", "h12", "h15", "h16"], loaded.Clients.ToArray());
    }

    [Fact]
    public void Reads_every_field_in_both_spellings()
    {
        var yaml = """
            topology: fattree.json
            vip:
              address: 20.0.0.9
              ports: [80/tcp, 53/udp, { port: 8080 }, "443"]
              icmp: false
            muxes: [h1]
            dips: [h13, { host: h14, weight: 3 }, { host: h15, weight: 0 }]
            clients: [h3]
            switches: { target: bmv2 }
            engine:
              hash: { table_size: 251, seed: 4294967295 }
              connections: { capacity: 10, idle_timeout: 1h30m }
            health: { enabled: false, interval: 1s, timeout: 250ms, rise: 3, fall: 1, dead_after: 2.5s, port: 9300 }
            servers: { command: "serve {host}", docroot: . }
            verify: { path: /x }
            """;
        var spec = SpecLoader.Load(directory.Write(yaml), "lb.yaml").Spec;
        Assert.Equal([new PortSpec(80, TransportProtocol.Tcp), new PortSpec(53, TransportProtocol.Udp), new PortSpec(8080, TransportProtocol.Tcp), new PortSpec(443, TransportProtocol.Tcp)], spec.Vip.Ports.ToArray());
        Assert.False(spec.Vip.Icmp);
        Assert.Equal([new DipSpec("h13", 1), new DipSpec("h14", 3), new DipSpec("h15", 0)], spec.Dips.ToArray());
        Assert.Equal(["h3"], spec.Clients!.Value.ToArray());
        Assert.Equal(SwitchTarget.Bmv2, spec.Target);
        Assert.Equal(new HashSpec(251, uint.MaxValue), spec.Engine.Hash);
        Assert.Equal(new ConnectionsSpec(10, TimeSpan.FromMinutes(90)), spec.Engine.Connections);
        Assert.Equal(new HealthSpec(false, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250), 3, 1, TimeSpan.FromMilliseconds(2500), 9300), spec.Health);
        Assert.Equal(directory.Path, spec.Servers.DocRoot);
        Assert.Equal("/x", spec.Verify.Path);
    }
}

/// <summary>Problems only the routes reveal: the verifier's failing path, located at the spec item it concerns.</summary>
public sealed class SpecReachabilityTests : IDisposable
{
    private readonly SpecDirectory directory = new();

    public void Dispose() => directory.Dispose();

    // s3 (with h3) has no link to the rest of the fabric.
    private const string Island = """
        {"topology": {"assignment_strategy": "l3",
         "links": [["h1","s1"],["h2","s2"],["h3","s3"],["h4","s1"],["s1","s2"]],
         "hosts": {"h1":{},"h2":{},"h3":{},"h4":{}}, "switches": {"s1":{},"s2":{},"s3":{}}}}
        """;

    [Fact]
    public void A_DIP_no_mux_can_reach_is_reported_with_the_breaking_path()
    {
        File.WriteAllText(Path.Combine(directory.Path, "island.json"), Island);
        var path = directory.Write("topology: island.json\nvip:\n  address: 20.0.0.1\nmuxes: [h1]\ndips: [h2, h3]\n");
        var error = Assert.Throws<SpecException>(() => Planner.Create(path, "lb.yaml"));
        Assert.Equal(
            ["lb.yaml:5:12: error: dips[1]: static check 'muxes reach DIPs' failed: h1 -> s1 -> (no route to 10.3.3.0/24 at s1); connect it in the topology or choose another DIP"],
            error.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void A_client_that_cannot_reach_the_VIP_is_reported()
    {
        File.WriteAllText(Path.Combine(directory.Path, "island.json"), Island);
        var path = directory.Write("topology: island.json\nvip:\n  address: 20.0.0.1\nmuxes: [h1]\ndips: [h2]\nclients: [h3]\n");
        var error = Assert.Throws<SpecException>(() => Planner.Create(path, "lb.yaml"));
        Assert.Equal(
            ["lb.yaml:6:11: error: clients[0]: static check 'clients reach a mux of 20.0.0.1' failed: h3 -> s3 -> (no route to 20.0.0.1/32 at s3); connect it in the topology or choose another host"],
            error.Diagnostics.Select(d => d.ToString()));
    }
}
