using Lb.Engine.Hosting;

namespace Lb.Engine.Tests.Gate;

/// <summary>`lbengine gate` refuses what it cannot use in one line, with the config exit code.</summary>
public sealed class GateRunnerTests
{
    [Theory]
    [InlineData("/run/lbdeploy/sockets/h1-mux.sock", "the-vip", "lbengine gate: --prefix 'the-vip' is not an IPv4 prefix (e.g. 20.0.0.1/32)")]
    [InlineData("/run/lbdeploy/sockets/h1-mux.sock", "20.0.0.1/33", "lbengine gate: --prefix '20.0.0.1/33' is not an IPv4 prefix (e.g. 20.0.0.1/32)")]
    [InlineData("h1-mux.sock", "20.0.0.1/32", "lbengine gate: --socket 'h1-mux.sock' is not an absolute path; give the mux's control_socket")]
    public async Task Bad_arguments_end_in_one_line_and_exit_2(string socket, string prefix, string expected)
    {
        var errors = new StringWriter();

        // Accepted arguments would start the gate's endless loop: stopped after 10 s, so a regression fails instead of hanging.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var exitCode = await Task.Run(() => GateRunner.Run(socket, prefix, "h1", verbose: false, errors, stop.Token));

        Assert.False(stop.IsCancellationRequested, $"lbengine gate accepted --socket {socket} --prefix {prefix} and ran");
        Assert.Equal(EngineRunner.ExitConfig, exitCode);
        Assert.Equal(expected, errors.ToString().TrimEnd());
    }
}
