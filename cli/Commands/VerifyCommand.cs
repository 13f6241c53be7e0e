using System.CommandLine;
using Lbdeploy.Planning;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy verify [--json]`: read-only checks of the running deployment, one row each; exit 1 if any fails.</summary>
public static class VerifyCommand
{
    public static Command Create()
    {
        var spec = GlobalOptions.SpecFile();
        var json = JsonOutput.Option("Print the checks as JSON");
        var command = new Command("verify", "Check the running deployment: pingall, GETs and pings through the VIP, engine counters, DSR") { spec, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var result = await CheckAsync(context.Plan(context.Get(spec)!), token);
            return context.Json ? JsonOutput.Write(context.Output, result.ExitCode, result) : result.Print(context.Output);
        }, ct));
        return command;
    }

    /// <summary>Runs every check on the state folder's deployment of <paramref name="plan"/>.</summary>
    public static async Task<VerifyResult> CheckAsync(DeploymentPlan plan, CancellationToken ct)
    {
        var environment = RunnerEnvironment.Default;
        var (_, target) = NetworkLocator.DeployedTarget(plan, environment);
        var checks = await new Verifier(plan, target, environment).RunAsync(ct);
        return new VerifyResult(checks.All(c => c.Passed), checks);
    }
}

/// <summary>verify's rows (its --json document, and part of `up`'s).</summary>
public sealed record VerifyResult(bool Passed, IReadOnlyList<VerifyCheck> Checks)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public int ExitCode => Passed ? CommandRunner.Success : CommandRunner.UserError;

    /// <summary>One row per check and the count; returns the exit code.</summary>
    public int Print(TextWriter output)
    {
        foreach (var check in Checks)
        {
            output.WriteLine($"{(check.Passed ? "PASS" : "FAIL")}  {check.Name,-20} {check.Detail}");
        }
        var failed = Checks.Count(c => !c.Passed);
        output.WriteLine($"verify: {Checks.Count - failed} passed, {failed} failed");
        return ExitCode;
    }
}
