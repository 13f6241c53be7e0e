using Lb.Core.Addressing;
using Lb.Core.Config;

namespace Lb.Engine.Tests.Config;

public class HealthAndMetricsConfigTests
{
    private const string Connections = "\"connections\": { \"capacity\": 65536, \"idle_timeout_seconds\": 120 }";

    private static string With(string sections) =>
        EngineConfigLoaderTests.MuxJson.Replace(Connections, Connections + (sections.Length > 0 ? ", " + sections : ""));

    private static EngineConfigException Fails(string sections) =>
        Assert.Throws<EngineConfigException>(() => EngineConfigLoader.Parse(With(sections), "h1-mux.json"));

    [Fact]
    public void Absent_sections_mean_off_as_before()
    {
        var config = EngineConfigLoader.Parse(EngineConfigLoaderTests.MuxJson);
        Assert.Null(config.Health);
        Assert.False(config.HealthEnabled);
        Assert.Null(config.Metrics);
    }

    [Fact]
    public void Reads_the_documented_sections_and_defaults()
    {
        var config = EngineConfigLoader.Parse(With("""
            "health": { "interval_ms": 200, "timeout_ms": 100, "rise": 3, "fall": 1, "dead_after_ms": 700, "port": 9300, "enabled": true },
            "metrics": { "listen": "0.0.0.0:9100" }
            """));
        Assert.Equal(new HealthConfig(200, 100, 3, 1, 700, 9300, true), config.Health);
        Assert.True(config.HealthEnabled);
        Assert.Equal(new MetricsConfig(new Ipv4Endpoint(Ipv4Address.Parse("0.0.0.0"), 9100)), config.Metrics);
        Assert.Equal("0.0.0.0:9100", config.Metrics!.ToString());

        var defaults = EngineConfigLoader.Parse(With("\"health\": {}")).Health!;
        Assert.Equal(new HealthConfig(500, 300, 2, 2, 1500, 9199, true), defaults);
        Assert.False(EngineConfigLoader.Parse(With("\"health\": { \"enabled\": false }")).HealthEnabled);
        Assert.Null(EngineConfigLoader.Parse(With("\"health\": null, \"metrics\": null")).Health);
    }

    [Theory]
    [InlineData("\"health\": { \"interval\": 500 }", "health.interval: unknown key")]
    [InlineData("\"health\": { \"interval_ms\": 10 }", "health.interval_ms: 10 is out of range")]
    [InlineData("\"health\": { \"rise\": 0 }", "health.rise: 0 is out of range")]
    [InlineData("\"health\": { \"port\": 70000 }", "health.port: 70000 is out of range")]
    [InlineData("\"health\": { \"enabled\": \"yes\" }", "health.enabled: expected true or false")]
    [InlineData("\"health\": { \"interval_ms\": 500, \"timeout_ms\": 500 }", "health.timeout_ms: timeout_ms 500 must be shorter than interval_ms 500")]
    [InlineData("\"health\": { \"interval_ms\": 500, \"dead_after_ms\": 500 }", "health.dead_after_ms: dead_after_ms 500 must be longer than interval_ms 500")]
    [InlineData("\"metrics\": { \"listen\": \"localhost:9100\" }", "metrics.listen: 'localhost:9100' is not ADDRESS:PORT")]
    [InlineData("\"metrics\": { \"listen\": \"127.0.0.1:0\" }", "metrics.listen: '127.0.0.1:0' is not ADDRESS:PORT")]
    [InlineData("\"metrics\": { \"listen\": \"127.0.0.1\" }", "metrics.listen: '127.0.0.1' is not ADDRESS:PORT")]
    [InlineData("\"metrics\": { }", "metrics.listen: missing")]
    [InlineData("\"metrics\": { \"listen\": \"127.0.0.1:9100\", \"path\": \"/m\" }", "metrics.path: unknown key")]
    public void Errors_name_the_key_path_and_the_fix(string sections, string expected)
    {
        var error = Fails(sections);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
