using System.CommandLine;
using System.Text.Json;
using Lbdeploy.Planning;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy verify [--json]`: read-only checks of the running deployment, one row each; exit 1 if any fails.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var spec = GlobalOptions.SpecFile();
        var json = new Option<bool>("--json") { Description = "Print the checks as JSON" };
        var command = new Command("verify", "Check the running deployment: pingall, GETs and pings through the VIP, engine counters, DSR") { spec, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) =>
            RunAsync(context.Plan(context.Get(spec)!), context.Get(json), context.Output, token), ct));
        return command;
    }

    public static async Task<int> RunAsync(DeploymentPlan plan, bool json, TextWriter output, CancellationToken ct)
    {
        Testbed.LinuxTestbed.RequireRootAndMininet();
        var environment = RunnerEnvironment.Default;
        var (_, network) = NetworkLocator.Deployed(plan, environment);
        var checks = await new Verifier(plan, network, environment).RunAsync(ct);
        var failed = checks.Count(c => !c.Passed);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(
                new { passed = failed == 0, checks = checks.Select(c => new { name = c.Name, passed = c.Passed, detail = c.Detail }) },
                new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            foreach (var check in checks)
            {
                output.WriteLine($"{(check.Passed ? "PASS" : "FAIL")}  {check.Name,-20} {check.Detail}");
            }
            output.WriteLine($"verify: {checks.Count - failed} passed, {failed} failed");
        }
        return failed == 0 ? CommandRunner.Success : CommandRunner.UserError;
    }
}
