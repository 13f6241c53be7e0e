using Lbdeploy.Common;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Lbdeploy.Commands;
using Lbdeploy.Tests.Spec;

namespace Lbdeploy.Tests.Commands;

/// <summary>`lbdeploy plan` as users run it: exit codes, what goes to stdout and stderr, the plan directory.</summary>
public sealed class PlanCommandTests : IDisposable
{
    private readonly SpecDirectory directory = new();

    public void Dispose() => directory.Dispose();

    private const string Valid = """
        topology: fattree.json
        vip:
          address: 20.0.0.1
        muxes: [h1, h2]
        dips: [h13, h14]
        """;

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await LbdeployApp.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Writes_the_plan_next_to_the_spec_and_prints_the_summary()
    {
        var spec = directory.Write(Valid);
        var (exit, output, error) = await Run("plan", "-f", spec);
        Assert.Equal("", error);
        Assert.Equal(0, exit);
        Assert.StartsWith("lbdeploy plan for lb.yaml (target linux)\n", output);
        var planDirectory = Path.Combine(directory.Path, ".lbdeploy", "plan");
        Assert.Equal(File.ReadAllText(Path.Combine(planDirectory, "summary.txt")), output[..output.IndexOf("\nwrote ", StringComparison.Ordinal)]);
        Assert.True(File.Exists(Path.Combine(planDirectory, "switches", "linux", "t1.sh")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(Path.Combine(planDirectory, "switches", "linux", "t1.sh")).HasFlag(UnixFileMode.UserExecute));
        }
    }

    [Fact]
    public async Task Json_prints_plan_json()
    {
        var (exit, output, _) = await Run("plan", "-f", directory.Write(Valid), "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("20.0.0.1", json.RootElement.GetProperty("vip").GetProperty("address").GetString());
    }

    [Fact]
    public async Task Removes_files_a_previous_plan_wrote_that_no_longer_exist()
    {
        var output = Path.Combine(directory.Path, "out");
        Assert.Equal(0, (await Run("plan", "-f", directory.Write(Valid.Replace("[h13, h14]", "[h13, h14, h15]")), "--out", output)).Exit);
        Assert.True(File.Exists(Path.Combine(output, "engines", "h15-agent.json")));
        Assert.Equal(0, (await Run("plan", "-f", directory.Write(Valid), "--out", output)).Exit);
        Assert.False(File.Exists(Path.Combine(output, "engines", "h15-agent.json")));
        Assert.False(Directory.Exists(Path.Combine(output, "hosts", "h15")));
        Assert.True(File.Exists(Path.Combine(output, "engines", "h14-agent.json")));
    }

    [Fact]
    public async Task Refuses_to_write_into_a_directory_that_holds_something_else()
    {
        var output = Path.Combine(directory.Path, "precious");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        var (exit, _, error) = await Run("plan", "-f", directory.Write(Valid), "--out", output);
        Assert.Equal(1, exit);
        Assert.Equal($"error: --out '{output}' is not empty and holds no plan.json; choose an empty or plan directory\n", error);
        Assert.True(File.Exists(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public async Task A_bad_spec_prints_one_line_per_problem_and_exits_1()
    {
        var spec = directory.Write(Valid.Replace("20.0.0.1", "10.13.1.7").Replace("[h13, h14]", "[h13, h99]"));
        var (exit, output, error) = await Run("plan", "-f", spec);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Equal(
            $"{spec}:3:12: error: vip.address: 10.13.1.7 is inside host h1's subnet 10.13.1.0/24; choose an address outside every fabric subnet, e.g. 20.0.0.1\n" +
            $"{spec}:5:13: error: dips[1]: host 'h99' is not in the topology (hosts: h1..h16); use one of them\n",
            error);
    }

    [Fact]
    public async Task Verbose_adds_the_stack_trace()
    {
        var spec = directory.Write(Valid.Replace("[h13, h14]", "[h13, h99]"));
        var (exit, _, error) = await Run("plan", "-f", spec, "--verbose");
        Assert.Equal(1, exit);
        Assert.StartsWith($"{spec}:5:13: error: dips[1]: host 'h99'", error);
        Assert.Contains("SpecException", error);
        Assert.Contains("   at ", error);
    }

    [Fact]
    public async Task A_missing_spec_is_one_line()
    {
        var missing = Path.Combine(directory.Path, "nope.yaml");
        var (exit, _, error) = await Run("plan", "-f", missing);
        Assert.Equal(1, exit);
        Assert.Equal($"{missing}:1:1: error: cannot read the spec: file not found; pass the spec file with -f\n", error);
    }

    /// <summary>The real executable: exit code and stderr as a shell sees them, no stack trace.</summary>
    [Fact]
    public async Task The_executable_reports_errors_without_a_stack_trace()
    {
        var spec = directory.Write(Valid + "\nswitches: { target: bmv3 }");
        var cli = Path.Combine(AppContext.BaseDirectory, "lbdeploy.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", cli, "plan", "-f", spec])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Equal("", await stdout);
        Assert.Equal($"{spec}:6:21: error: switches.target: unknown target 'bmv3'; use linux, bmv2 or frr (did you mean 'bmv2'?)\n", await stderr);
    }
}
