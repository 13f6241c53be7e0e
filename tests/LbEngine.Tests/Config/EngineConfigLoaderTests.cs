using Lb.Core.Addressing;
using Lb.Core.Config;

namespace Lb.Engine.Tests.Config;

public class EngineConfigLoaderTests
{
    internal const string MuxJson = """
        {
          "version": 1,
          "role": "mux",
          "host": "h1",
          "interface": "h1-eth0",
          "address": "10.13.1.2",
          "mac": "00:00:0a:0d:01:02",
          "gateway": { "address": "10.13.1.1", "mac": null },
          "mtu": 1500,
          "control_socket": "/run/lbdeploy/h1-mux.sock",
          "vips": [ { "address": "20.0.0.1", "ports": [ { "protocol": "tcp", "port": 80 } ], "icmp": true } ],
          "dips":  [ { "name": "h13", "address": "10.19.13.2", "weight": 1 }, { "name": "h14", "address": "10.19.14.2", "weight": 0 } ],
          "muxes": [ { "name": "h1",  "address": "10.13.1.2" } ],
          "hash": { "table_size": 65537, "seed": 7 },
          "connections": { "capacity": 65536, "idle_timeout_seconds": 120 }
        }
        """;

    [Fact]
    public void Reads_the_documented_example()
    {
        var config = EngineConfigLoader.Parse(MuxJson);
        Assert.Equal(EngineRole.Mux, config.Role);
        Assert.Equal("h1-eth0", config.Interface);
        Assert.Equal(Ipv4Address.Parse("10.13.1.2"), config.Address);
        Assert.Equal(MacAddress.Parse("00:00:0a:0d:01:02"), config.Mac);
        Assert.Null(config.Gateway.Mac);
        Assert.True(config.Vips[0].Icmp);
        Assert.True(config.Vips[0].Serves(TransportProtocol.Tcp, 80));
        Assert.Equal(0, config.Dips[1].Weight);
        Assert.Equal(7u, config.Hash.Seed);
        Assert.Equal(120, config.Connections.IdleTimeoutSeconds);
    }

    [Fact]
    public void Optional_sections_take_their_defaults()
    {
        var config = EngineConfigLoader.Parse("""
            {"version":1,"role":"agent","host":"h13","interface":"h13-eth0","address":"10.19.13.2",
             "gateway":{"address":"10.19.13.1"},"control_socket":"/tmp/a.sock",
             "vips":[{"address":"20.0.0.1","ports":[{"protocol":"tcp","port":80}]}],
             "muxes":[{"name":"h1","address":"10.13.1.2"}]}
            """);
        Assert.Equal(1500, config.Mtu);
        Assert.Null(config.Mac);
        Assert.Equal(65537, config.Hash.TableSize);
        Assert.Equal(65536, config.Connections.Capacity);
        Assert.False(config.Vips[0].Icmp);
        Assert.Equal(PacketIoKind.Ring, config.PacketIo);
    }

    [Fact]
    public void Packet_io_selects_the_pcap_path()
    {
        var config = EngineConfigLoader.Parse(Replace("\"mtu\": 1500,", "\"mtu\": 1500, \"packet_io\": \"pcap\","));
        Assert.Equal(PacketIoKind.Pcap, config.PacketIo);
    }

    [Fact]
    public void Packet_io_selects_the_xdp_path_and_writes_it_back()
    {
        var config = EngineConfigLoader.Parse(Replace("\"mtu\": 1500,", "\"mtu\": 1500, \"packet_io\": \"xdp\","));
        Assert.Equal(PacketIoKind.Xdp, config.PacketIo);
        Assert.Contains("\"packet_io\": \"xdp\"", EngineConfigJson.Serialize(config));
    }

    [Fact]
    public void An_unknown_packet_io_names_the_three_paths() =>
        Assert.Contains("use \"ring\" (AF_PACKET rings, the default), \"pcap\" (libpcap) or \"xdp\" (AF_XDP)",
            Fails(Replace("\"mtu\": 1500,", "\"mtu\": 1500, \"packet_io\": \"dpdk\",")).Message);

    private static EngineConfigException Fails(string json) => Assert.Throws<EngineConfigException>(() => EngineConfigLoader.Parse(json, "h1-mux.json"));

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, MuxJson);
        return MuxJson.Replace(from, to);
    }

    [Theory]
    [InlineData("\"mtu\": 1500,", "\"mtu\": 1500, \"colour\": 1,", "colour: unknown key")]
    [InlineData("\"table_size\": 65537", "\"table_size\": 65536", "hash.table_size: 65536 is not prime")]
    [InlineData("\"address\": \"10.19.13.2\"", "\"address\": \"10.19.13.300\"", "dips[0].address: '10.19.13.300' is not an IPv4 address")]
    [InlineData("\"weight\": 0", "\"weight\": -1", "dips[1].weight: -1 is out of range")]
    [InlineData("\"weight\": 0", "\"weight\": \"heavy\"", "dips[1].weight: expected an integer")]
    [InlineData("\"role\": \"mux\"", "\"role\": \"router\"", "role: 'router' is not a role")]
    [InlineData("\"protocol\": \"tcp\"", "\"protocol\": \"sctp\"", "vips[0].ports[0].protocol: 'sctp' is not supported")]
    [InlineData("\"port\": 80", "\"port\": 70000", "vips[0].ports[0].port: 70000 is out of range")]
    [InlineData("\"mac\": \"00:00:0a:0d:01:02\"", "\"mac\": \"00:00:0a\"", "mac: '00:00:0a' is not a MAC address")]
    [InlineData("\"control_socket\": \"/run/lbdeploy/h1-mux.sock\",", "", "control_socket: missing")]
    [InlineData("\"version\": 1", "\"version\": 2", "version: version 2 is not supported")]
    [InlineData("\"name\": \"h14\"", "\"name\": \"h13\"", "dips[1].name: 'h13' appears twice")]
    [InlineData("\"address\": \"10.19.14.2\"", "\"address\": \"20.0.0.1\"", "dips[1].address: 20.0.0.1 is a VIP")]
    [InlineData("\"icmp\": true", "\"icmp\": \"yes\"", "vips[0].icmp: expected true or false")]
    [InlineData("\"mtu\": 1500,", "\"mtu\": 1500, \"packet_io\": \"dpdk\",", "packet_io: 'dpdk' is not a packet I/O path; use \"ring\"")]
    [InlineData("\"mtu\": 1500,", "\"mtu\": 1500, \"packet_threads\": 17,", "packet_threads: 17 is out of range; use 1..16")]
    [InlineData("\"mtu\": 1500,", "\"mtu\": 1500, \"packet_threads\": 2, \"packet_io\": \"pcap\",", "packet_threads: 2 packet threads need \"packet_io\": \"ring\"")]
    [InlineData("\"role\": \"mux\"", "\"role\": \"agent\", \"packet_threads\": 2", "packet_threads: 2 packet threads: only the mux runs more than one")]
    public void Errors_name_the_key_path_and_the_fix(string from, string to, string expected)
    {
        var error = Fails(Replace(from, to));
        Assert.Contains(expected, error.Message);
        Assert.StartsWith("invalid engine config h1-mux.json", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void All_errors_are_reported_at_once()
    {
        var json = Replace("\"mtu\": 1500,", "\"mtu\": 10, \"bogus\": true,").Replace("\"seed\": 7", "\"seed\": -7");
        var error = Fails(json);
        Assert.Equal(3, error.Errors.Count);
        Assert.Equal(["bogus", "hash.seed", "mtu"], error.Errors.Select(e => e.Path).Order());
    }

    [Fact]
    public void Role_specific_lists_must_not_be_empty()
    {
        Assert.Contains("dips: a mux needs at least one DIP", Fails(Replace("\"dips\":  [ { \"name\": \"h13\", \"address\": \"10.19.13.2\", \"weight\": 1 }, { \"name\": \"h14\", \"address\": \"10.19.14.2\", \"weight\": 0 } ],", "")).Message);
        var agent = Replace("\"role\": \"mux\"", "\"role\": \"agent\"").Replace("\"muxes\": [ { \"name\": \"h1\",  \"address\": \"10.13.1.2\" } ],", "\"muxes\": [],");
        Assert.Contains("muxes: an agent needs at least one mux", Fails(agent).Message);
    }

    [Fact]
    public void More_vips_than_the_capture_filter_takes_are_refused()
    {
        var vips = string.Join(", ", Enumerable.Range(1, EngineLimits.MaxVips + 1)
            .Select(i => $"{{ \"address\": \"20.0.{i / 256}.{i % 256}\", \"ports\": [ {{ \"protocol\": \"tcp\", \"port\": 80 }} ] }}"));
        var json = Replace("\"vips\": [ { \"address\": \"20.0.0.1\", \"ports\": [ { \"protocol\": \"tcp\", \"port\": 80 } ], \"icmp\": true } ],", $"\"vips\": [ {vips} ],");
        Assert.Contains($"vips: lists {EngineLimits.MaxVips + 1} VIPs; one engine serves at most {EngineLimits.MaxVips}", Fails(json).Message);
    }

    [Fact]
    public void Broken_json_and_missing_files_are_one_line_errors()
    {
        Assert.Contains("not valid JSON at line 1", Fails("{\"version\": 1,,}").Message);
        var missing = Assert.Throws<EngineConfigException>(() => EngineConfigLoader.Load("/nonexistent/lbe-engine.json"));
        Assert.Contains("cannot read the file", missing.Message);
        Assert.Contains("check the --config path", missing.Message);
    }
}
