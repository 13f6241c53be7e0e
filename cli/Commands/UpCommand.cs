using Lbdeploy.Common;
using System.CommandLine;
using System.Diagnostics;
using Lbdeploy.Testbed;
using Lbdeploy.Topology;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy up [--json]`: testbed up (unless one runs) + apply --auto-approve + verify: the whole service in one command.</summary>
public static class UpCommand
{
    public static Command Create()
    {
        var spec = GlobalOptions.SpecFile();
        var shape = TestbedCommand.ShapeOption();
        var json = JsonOutput.Option("Print the testbed, apply and verify results as one JSON document");
        var command = new Command("up", "Start the testbed, apply the plan and verify it (testbed up + apply --auto-approve + verify)") { spec, shape, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var watch = Stopwatch.StartNew();
            var output = context.Progress;
            var specPath = context.Get(spec)!;
            // Planned once; the testbed, apply and verify all work from this plan. The target is checked before
            // anything needs root: a spec `up` cannot run is refused the same way for everyone.
            var plan = context.Plan(specPath);
            if (plan.Target == Spec.SwitchTarget.Bmv2)
            {
                throw new LbdeployException($"{specPath} sets switches.target: bmv2, but `up` runs the local testbed, whose switches are Linux routers; set switches.target: linux (or use p4run, then lbdeploy apply)");
            }
            LinuxTestbed.RequireRootAndMininet();
            ApplyCommand.RequireTargetSoftware(plan);
            var testbed = LinuxTestbed.Default(output);
            TestbedStarted? started = null;
            if (testbed.State.IsRunning)
            {
                var running = testbed.State.Source;
                if (running != plan.Fabric.Source)
                {
                    throw new LbdeployException($"a testbed of another topology is running ({running}); stop it with lbdeploy down, then run up again");
                }
                output.WriteLine("testbed: already running; applying to it");
                var shaped = testbed.State.Model?.ShapeLinks ?? false;
                if (LinuxTestbed.ShapingNote(LinkShaping.Of(plan.Fabric), shaped) is { } note)
                {
                    output.WriteLine($"testbed: {note}{(shaped != context.Get(shape) ? $" (it was started {(shaped ? "with" : "without")} --shape; lbdeploy down first to change that)" : "")}");
                }
            }
            else
            {
                started = await TestbedCommand.StartAsync(plan.Fabric, output, token, context.Get(shape));
            }
            var applied = await ApplyCommand.RunAsync(plan, autoApprove: true, planDir: null, output, token);
            var verified = await VerifyCommand.CheckAsync(plan, token);
            verified.Print(output);
            output.WriteLine(verified.Passed
                ? $"up: the service is running and verified in {watch.Elapsed.TotalSeconds:0.0} s; stop it with lbdeploy down"
                : $"up: running after {watch.Elapsed.TotalSeconds:0.0} s, but verify failed (see above); stop it with lbdeploy down");
            return context.Json
                ? JsonOutput.Write(context.Output, verified.ExitCode, new
                {
                    Spec = specPath,
                    Testbed = new { AlreadyRunning = started is null, Started = started },
                    Apply = applied,
                    Verify = verified,
                    Seconds = Math.Round(watch.Elapsed.TotalSeconds, 2),
                })
                : verified.ExitCode;
        }, ct));
        return command;
    }
}
