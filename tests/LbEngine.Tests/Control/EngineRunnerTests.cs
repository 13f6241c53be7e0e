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

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
