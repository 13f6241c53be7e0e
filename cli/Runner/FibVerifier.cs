using System.Globalization;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;
using Lbdeploy.Routing;
using Lbdeploy.Spec;

namespace Lbdeploy.Runner;

/// <summary>
/// The verify row "switch FIBs": every switch's kernel routing table, read inside the switch node, holds exactly the
/// plan's routes (<see cref="FibDrift"/>), and its kernel hashes ECMP as planned (<see cref="MultipathDrift"/>). For the targets whose switches are Linux routers (linux, frr); a bmv2
/// switch has no kernel table to read.
/// </summary>
public static class FibVerifier
{
    public const string CheckName = "switch FIBs";

    /// <summary>The main table, IPv4 only: the plan has no other. The command holds no value, so nothing to quote.</summary>
    public const string Command = "ip -4 -j route show table main";

    /// <summary>How many switches are read at once.</summary>
    public const int Parallelism = 8;

    /// <summary>How many differences the row shows (the rest are counted); " | " separates them, since one may hold "; ".</summary>
    public const int ShownDifferences = 10;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    public static bool AppliesTo(DeploymentPlan plan) => plan.Target is SwitchTarget.Linux or SwitchTarget.Frr;

    public static async Task<VerifyCheck> CheckAsync(DeploymentPlan plan, INodeShell shell, CancellationToken ct = default)
    {
        var switches = plan.Forwarding.Switches;
        var differences = new IReadOnlyList<string>[switches.Length];
        using var gate = new SemaphoreSlim(Parallelism);
        await Task.WhenAll(switches.Select(async (planned, i) =>
        {
            await gate.WaitAsync(ct);
            try
            {
                differences[i] = [.. await CompareAsync(planned, plan.Target, FibDrift.FabricPorts(plan, planned.Switch.Name), shell, ct), .. await CompareHashAsync(planned.Switch.Name, plan.FabricHashSeed, shell, ct)];
            }
            finally
            {
                gate.Release();
            }
        }));

        var all = differences.SelectMany(d => d).ToList();
        var prefixes = switches.Sum(s => s.Routes.Length);
        if (all.Count == 0)
        {
            return new VerifyCheck(CheckName, true, string.Create(CultureInfo.InvariantCulture, $"{switches.Length} switches hold exactly the plan's routes ({prefixes} prefixes) and ECMP hash settings"));
        }
        var drifting = differences.Count(d => d.Count > 0);
        return new VerifyCheck(CheckName, false, string.Create(CultureInfo.InvariantCulture,
            $"{drifting}/{switches.Length} switches differ from the plan ({all.Count} {(all.Count == 1 ? "difference" : "differences")}): {string.Join(" | ", all.Take(ShownDifferences))}{(all.Count > ShownDifferences ? " | ..." : "")}"));
    }

    /// <summary>One switch's ECMP hash settings against the plan (<see cref="MultipathDrift"/>); unreadable settings are one difference.</summary>
    private static async Task<IReadOnlyList<string>> CompareHashAsync(string name, uint fabricSeed, INodeShell shell, CancellationToken ct)
    {
        ShellResult result;
        try
        {
            result = await shell.RunReadAsync(name, MultipathDrift.Command, CommandTimeout, ct);
        }
        catch (RunnerException e)
        {
            return [$"{name}: {e.Message}"];
        }
        if (!result.Succeeded) return [result.Summary()];
        return [.. MultipathDrift.Compare(result.StandardOutput, fabricSeed, name).Select(d => $"{name}: {d}")];
    }

    /// <summary>One switch's differences; a table that cannot be read is one.</summary>
    private static async Task<IReadOnlyList<string>> CompareAsync(SwitchForwarding planned, SwitchTarget target, IReadOnlySet<string>? fabricPorts, INodeShell shell, CancellationToken ct)
    {
        var name = planned.Switch.Name;
        ShellResult result;
        try
        {
            result = await shell.RunReadAsync(name, Command, CommandTimeout, ct);
        }
        catch (RunnerException e)
        {
            return [$"{name}: {e.Message}"];
        }
        if (!result.Succeeded) return [result.Summary()];
        return SwitchFib.TryParse(result.StandardOutput, out var table, out var error)
            ? FibDrift.Compare(planned, table, target, fabricPorts)
            : [$"{name}: `{Command}` gave an unreadable table: {error}"];
    }
}
