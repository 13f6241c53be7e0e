using Lb.Core.Config;
using Lb.Engine.Hosting;
using Lb.Engine.Tests.Config;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Control;

/// <summary>Start-up failures: one line naming the problem and the fix, non-zero exit, no stack trace.</summary>
public class EngineRunnerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lbe-runner-").FullName;

    private (int Code, string Error) Run(EngineRole role, string json)
    {
        var path = Path.Combine(_directory, "engine.json");
        File.WriteAllText(path, json);
        var errors = new StringWriter();
        var code = EngineRunner.Run(role, path, verbose: false, pidFile: null, errors);
        return (code, errors.ToString().TrimEnd());
    }

    [Fact]
    public void Invalid_config_exits_2_with_the_key_path()
    {
        var (code, error) = Run(EngineRole.Mux, EngineConfigLoaderTests.MuxJson.Replace("65537", "65536"));
        Assert.Equal(EngineRunner.ExitConfig, code);
        Assert.Single(error.Split('\n'));
        Assert.Contains("hash.table_size: 65536 is not prime", error);
    }

    [Fact]
    public void Wrong_role_names_the_right_command()
    {
        var (code, error) = Run(EngineRole.Agent, EngineConfigLoaderTests.MuxJson);
        Assert.Equal(EngineRunner.ExitConfig, code);
        Assert.Contains("run 'lbengine mux --config", error);
    }

    [RootFact("without root the not-root check fires first")]
    public void Missing_interface_is_one_line_with_the_fix()
    {
        var (code, error) = Run(EngineRole.Mux, EngineConfigLoaderTests.MuxJson.Replace("h1-eth0", "lbe-nosuch0"));
        Assert.Equal(EngineRunner.ExitFailure, code);
        Assert.Single(error.Split('\n'));
        Assert.Contains("interface 'lbe-nosuch0' does not exist in this network namespace", error);
        Assert.DoesNotContain("   at ", error);
    }

    [RootFact("it drops to user nobody to see the not-root error")]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Not_root_is_one_line_with_the_fix()
    {
        var path = Path.Combine(_directory, "engine.json");
        File.WriteAllText(path, EngineConfigLoaderTests.MuxJson);
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var engine = Path.Combine(AppContext.BaseDirectory, "lbengine.dll");
        var info = new System.Diagnostics.ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", engine, "mux", "--config", path])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.Environment["HOME"] = "/tmp";
        info.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEnd().TrimEnd();
        Assert.True(process.WaitForExit(30_000));
        Assert.Equal(EngineRunner.ExitFailure, process.ExitCode);
        Assert.Equal("lbengine mux: root is required (the mux opens raw packet sockets); run lbengine as root, e.g. with sudo or from lbdeploy apply", error);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
