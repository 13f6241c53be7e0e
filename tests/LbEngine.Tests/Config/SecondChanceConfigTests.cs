using Lb.Core.Addressing;
using Lb.Core.Config;

namespace Lb.Engine.Tests.Config;

public class SecondChanceConfigTests
{
    private const string Connections = "\"connections\": { \"capacity\": 65536, \"idle_timeout_seconds\": 120 }";

    private static string With(string section) => EngineConfigLoaderTests.MuxJson.Replace(Connections, Connections + ", " + section);

    [Fact]
    public void Absent_means_off_and_the_section_reads_with_its_defaults()
    {
        Assert.Null(EngineConfigLoader.Parse(EngineConfigLoaderTests.MuxJson).SecondChance);
        Assert.False(EngineConfigLoader.Parse(EngineConfigLoaderTests.MuxJson).SecondChanceEnabled);
        var defaults = EngineConfigLoader.Parse(With("\"second_chance\": {}")).SecondChance!;
        Assert.False(defaults.Enabled);
        Assert.Equal(600, defaults.RetentionSeconds);
        Assert.Empty(defaults.Peers);

        var config = EngineConfigLoader.Parse(With("""
            "second_chance": { "enabled": true, "retention_seconds": 30, "peers": [ { "name": "h14", "address": "10.19.14.2" } ] }
            """));
        Assert.True(config.SecondChanceEnabled);
        Assert.Equal(TimeSpan.FromSeconds(30), config.SecondChance!.Retention);
        Assert.Equal([new PeerConfig("h14", Ipv4Address.Parse("10.19.14.2"))], config.SecondChance.Peers);
        Assert.Equal(EngineConfigJson.Serialize(config), EngineConfigJson.Serialize(EngineConfigLoader.Parse(EngineConfigJson.Serialize(config))));
    }

    [Theory]
    [InlineData("{ \"retention_seconds\": 0 }", "second_chance.retention_seconds: 0 is out of range; use 1..86400")]
    [InlineData("{ \"retention\": 5 }", "second_chance.retention: unknown key")]
    [InlineData("{ \"enabled\": 1 }", "second_chance.enabled: expected true or false")]
    [InlineData("{ \"peers\": [ { \"name\": \"\", \"address\": \"10.19.14.2\" } ] }", "second_chance.peers[0].name: is empty")]
    [InlineData("{ \"peers\": [ { \"name\": \"h14\", \"address\": \"10.19.14\" } ] }", "second_chance.peers[0].address:")]
    [InlineData("{ \"peers\": [ { \"name\": \"me\", \"address\": \"10.13.1.2\" } ] }", "second_chance.peers[0].address: 10.13.1.2 is this host's own address")]
    [InlineData("{ \"peers\": [ { \"name\": \"v\", \"address\": \"20.0.0.1\" } ] }", "second_chance.peers[0].address: 20.0.0.1 is a VIP")]
    [InlineData("{ \"peers\": [ { \"name\": \"a\", \"address\": \"10.19.14.2\" }, { \"name\": \"a\", \"address\": \"10.19.15.2\" } ] }", "second_chance.peers[1].name: 'a' appears twice (also second_chance.peers[0].name)")]
    [InlineData("{ \"peers\": [ { \"name\": \"a\", \"address\": \"10.19.14.2\" }, { \"name\": \"b\", \"address\": \"10.19.14.2\" } ] }", "second_chance.peers[1].address: '10.19.14.2' appears twice")]
    public void Errors_name_the_key_path_and_the_fix(string section, string expected)
    {
        var error = Assert.Throws<EngineConfigException>(() => EngineConfigLoader.Parse(With($"\"second_chance\": {section}"), "h1-mux.json"));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
