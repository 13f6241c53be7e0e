using Lbdeploy.Planning;
using Lbdeploy.Tests.Golden;
using Lbdeploy.Tests.Spec;
using Lbdeploy.Verification;

using Lbdeploy.Spec;

namespace Lbdeploy.Tests.Rendering;

/// <summary>
/// Every simple_switch_CLI line `plan` renders for bmv2 loads into p4/ecmp.p4 (checked against the program's tables,
/// actions and field widths, as bmv2 would): a renderer and the program cannot drift apart unnoticed.
/// </summary>
public sealed class Bmv2CommandsFitProgramTests
{
    private static readonly P4Interface Program = P4Interface.Load(RepoPaths.Combine("p4", "ecmp.p4"));

    [Theory]
    [InlineData("fattree-bmv2")]
    [InlineData("leafspine")]
    public void Every_rendered_bmv2_command_passes_the_program_check(string name)
    {
        var (specPath, text) = GoldenPlanTests.SpecOf(name);
        var plan = Planner.Create(specPath, Path.GetFileName(specPath), text);
        Assert.Equal(SwitchTarget.Bmv2, plan.Target);

        var files = plan.Switches.Select(s => s.Bmv2CommandsFile).ToList();
        Assert.Equal(plan.Forwarding.Switches.Length, files.Count);
        var checkedLines = 0;
        var problems = new List<string>();
        foreach (var file in files)
        {
            Assert.StartsWith("switches/bmv2/", file, StringComparison.Ordinal);
            var lines = plan.Files[file].Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                // The runner strips comment lines (as p4-utils' cli_input does) before they reach simple_switch_CLI.
                if (line.Length == 0 || line.StartsWith('#')) continue;
                checkedLines++;
                problems.AddRange(Program.CheckCommand(line).Select(e => $"{file}:{i + 1}: {line}: {e}"));
            }
        }
        Assert.Empty(problems);
        // Each switch at least clears both tables, sets the default and installs a route per host and the VIP.
        Assert.True(checkedLines >= files.Count * (3 + plan.Fabric.Hosts.Length), $"only {checkedLines} lines checked");
    }

    [Fact]
    public void The_check_rejects_what_the_program_cannot_load()
    {
        Assert.Empty(Program.CheckCommand("table_clear ipv4_lpm"));
        Assert.NotEmpty(Program.CheckCommand("table_clear ipv4_fib"));
        Assert.NotEmpty(Program.CheckCommand("table_clear"));
        Assert.NotEmpty(Program.CheckCommand("table_add ipv4_lpm set_nhop 20.0.0.1/32 => 00:00:0a:13:0d:02 600"));
        Assert.NotEmpty(Program.CheckCommand("mirroring_add 1 2"));
    }
}
