using System.Text;
using Lb.Core.Config;
using Lb.Engine.Health;
using Lb.Engine.Tests.Config;

namespace Lb.Engine.Tests.Health;

/// <summary>The HTTP health check: its config section, its rules, and the status line the agent reads.</summary>
public class HttpHealthCheckTests
{
    private const string Connections = "\"connections\": { \"capacity\": 65536, \"idle_timeout_seconds\": 120 }";

    private static string With(string health) =>
        EngineConfigLoaderTests.MuxJson.Replace(Connections, Connections + ", \"health\": " + health);

    [Fact]
    public void The_http_section_is_read_with_its_default_status()
    {
        var config = EngineConfigLoader.Parse(With("""{ "http": { "path": "/healthz" } }"""));
        Assert.Equal(new HttpHealthCheck("/healthz", 200), config.Health!.Http);
        var explicitStatus = EngineConfigLoader.Parse(With("""{ "http": { "path": "/ready", "expect_status": 204 } }"""));
        Assert.Equal(new HttpHealthCheck("/ready", 204), explicitStatus.Health!.Http);
        Assert.Null(EngineConfigLoader.Parse(With("{}")).Health!.Http);
    }

    [Theory]
    [InlineData("""{ "http": { "path": "healthz" } }""", "health.http.path: not a request path: start it with '/', e.g. /healthz")]
    [InlineData("""{ "http": { "path": "/a b" } }""", "health.http.path: not a request path: leave out spaces and characters outside printable ASCII (percent-encode them), e.g. /healthz")]
    [InlineData("""{ "http": { "path": "/x", "expect_status": 700 } }""", "health.http.expect_status: 700 is out of range; use 100..599")]
    public void A_bad_http_section_is_refused_with_its_path(string health, string expected)
    {
        var error = Assert.Throws<EngineConfigException>(() => EngineConfigLoader.Parse(With(health), "h1-mux.json"));
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("HTTP/1.0 200 OK\r\n", 200)]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n", 500)]
    [InlineData("HTTP/1.1 204\r\n", 204)]
    [InlineData("HTTP/1.1 301", 301)]
    [InlineData("HTTP/2 200 OK\r\n", null)]
    [InlineData("HTTP/1.1 20 OK\r\n", null)]
    [InlineData("HTTP/1.1 2000 OK\r\n", null)]
    [InlineData("SSH-2.0-OpenSSH\r\n", null)]
    [InlineData("", null)]
    public void The_status_is_read_from_the_status_line_only(string reply, int? status) =>
        Assert.Equal(status, AgentHealthChecker.ParseStatus(Encoding.ASCII.GetBytes(reply)));
}
