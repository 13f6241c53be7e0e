using System.Collections.Immutable;
using Lbdeploy.Planning;
using Lbdeploy.Remote;

namespace Lbdeploy.Runner;

/// <summary>
/// The applied plan on machines reached over SSH: each node gets the plan's files its units use (a switch its
/// scripts, a DIP its VIP scripts and agent config, a mux its config, a router its FRR config) below its
/// lbdeploy_root (<see cref="RemoteLayout.PlanFile"/>), each copied only when the machine's copy differs, every
/// machine at once within the shell's session bound. A second run over an unchanged plan copies nothing.
/// </summary>
public sealed class RemotePlanFiles(SshShell shell)
{
    /// <summary>What one node needs of <paramref name="plan"/>: node -> plan file names.</summary>
    public static ImmutableSortedDictionary<string, ImmutableArray<string>> FilesByNode(DeploymentPlan plan) =>
        DeployUnit.FromPlan(plan)
            .GroupBy(u => u.Host, StringComparer.Ordinal)
            .ToImmutableSortedDictionary(g => g.Key, g => g.SelectMany(u => u.Files).Distinct(StringComparer.Ordinal).ToImmutableArray(), StringComparer.Ordinal);

    /// <summary>Ships what each node needs; returns the files copied per node (empty when every machine had them).</summary>
    public async Task<ImmutableSortedDictionary<string, ImmutableArray<string>>> ShipAsync(DeploymentPlan plan, CancellationToken cancellationToken = default)
    {
        var shipment = new FileShipment(shell);
        var shipped = await Task.WhenAll(FilesByNode(plan).Select(async node =>
        {
            var layout = RemoteLayout.Of(shell.Inventory.HostOf(node.Key));
            var copied = new List<string>();
            foreach (var file in node.Value)
            {
                if (await shipment.ShipTextAsync(node.Key, plan.Files[file], layout.PlanFile(file), cancellationToken: cancellationToken)) copied.Add(file);
            }
            return (Node: node.Key, Copied: copied.ToImmutableArray());
        }));
        return shipped.Where(s => s.Copied.Length > 0).ToImmutableSortedDictionary(s => s.Node, s => s.Copied, StringComparer.Ordinal);
    }
}
