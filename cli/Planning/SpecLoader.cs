using Lbdeploy.Common;
using System.Collections.Immutable;
using Lbdeploy.Spec;
using Lbdeploy.Topology;
using Lbdeploy.Rendering;

namespace Lbdeploy.Planning;

/// <summary>
/// Reads a spec and the topology it names, and runs every check that needs only those two: YAML shape and values
/// (<see cref="SpecReader"/>), the topology file (its <see cref="TopologyException"/> becomes a diagnostic at the
/// `topology:` key), the hosts and VIP against the fabric (<see cref="SpecValidator"/>) and the engine configs they
/// make against lbengine's rules (<see cref="EngineConfigs"/>). Throws one <see cref="SpecException"/> carrying every
/// problem found.
/// </summary>
public static class SpecLoader
{
    /// <param name="specPath">The spec file.</param>
    /// <param name="displayPath">How messages name it.</param>
    /// <param name="specText">Its text, when it differs from the file.</param>
    /// <param name="strict">Policy warnings (<see cref="SpecPolicy"/>) are errors.</param>
    public static LoadedSpec Load(string specPath, string? displayPath = null, string? specText = null, bool strict = false)
    {
        var read = specText is null
            ? SpecReader.Read(specPath, displayPath)
            : SpecReader.Parse(specText, Path.GetFullPath(specPath), displayPath ?? specPath);
        var diagnostics = read.Diagnostics.ToList();
        if (read.Spec is not { } spec)
        {
            throw new SpecException(SpecException.Ordered(diagnostics));
        }

        Fabric? fabric = null;
        if (spec.TopologyPath.Length > 0)
        {
            try
            {
                fabric = FabricLoader.Load(spec.TopologyPath, DisplayPath(spec.TopologyPath));
            }
            catch (InputFileException e)
            {
                diagnostics.Add(spec.Source.At("topology", $"cannot read {TerminalText.Quote(spec.TopologyAsWritten)}: {e.Message}"));
            }
            catch (SpecException e)
            {
                diagnostics.AddRange(e.Diagnostics);
            }
        }
        EngineConfigs? engines = null;
        Inventory? inventory = null;
        if (fabric is not null)
        {
            inventory = LoadInventory(spec, fabric, diagnostics);
            var skip = diagnostics.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);
            diagnostics.AddRange(SpecValidator.Validate(spec, fabric, skip));
            if (TargetProblem(spec, fabric) is { } targetProblem) diagnostics.Add(targetProblem);
            // The engine configs need every host's address: with a host missing from the topology, their rules wait
            // until that is fixed.
            if (EngineConfigs.CanBuild(spec, fabric))
            {
                engines = EngineConfigs.Build(spec, fabric, inventory);
                diagnostics.AddRange(engines.Check(spec, [.. diagnostics.Select(d => d.Path)]));
            }
        }
        var warnings = SpecPolicy.Check(spec).Select(w => strict ? w with { Severity = DiagnosticSeverity.Error, Message = w.Message + " (an error under --strict)" } : w).ToList();
        diagnostics.AddRange(warnings.Where(w => w.IsError));
        if (diagnostics.Count > 0 || fabric is null || engines is null)
        {
            throw new SpecException(SpecException.Ordered(diagnostics.Concat(warnings.Where(w => !w.IsError))));
        }
        return new LoadedSpec(spec, fabric, Clients(spec, fabric), engines) { Warnings = [.. warnings], Inventory = inventory };
    }

    /// <summary>
    /// The inventory lb.yaml names, resolved for every node the deployment acts on (<see cref="InventoryNodes"/>); its
    /// problems join the spec's. Null when lb.yaml names none (the testbed) or it has errors.
    /// </summary>
    private static Inventory? LoadInventory(LbSpec spec, Fabric fabric, List<SpecDiagnostic> diagnostics)
    {
        if (spec.InventoryPath is not { } path) return null;
        if (spec.Target == SwitchTarget.Bmv2)
        {
            diagnostics.Add(spec.Source.AtKey("inventory", "the bmv2 target runs simple_switch on this machine and has no real switches to reach over SSH; remove inventory, or set switches.target: linux"));
            return null;
        }
        if (spec.Target == SwitchTarget.Frr)
        {
            // apply starts FRR by watching its sockets appear in the state folder: only the testbed's nodes share it.
            diagnostics.Add(spec.Source.AtKey("inventory", "the frr target runs FRR on the testbed only (not over SSH yet); remove inventory, or set switches.target: linux"));
            return null;
        }
        try
        {
            var read = InventoryReader.Read(path, DisplayPath(path), InventoryNodes(spec, fabric));
            diagnostics.AddRange(read.Diagnostics);
            return read.Inventory;
        }
        catch (InputFileException e)
        {
            diagnostics.Add(spec.Source.At("inventory", $"cannot read {TerminalText.Quote(spec.InventoryAsWritten!)}: {e.Message}"));
            return null;
        }
    }

    /// <summary>
    /// The nodes that need a machine: every host of the fabric (verify's pingall reaches hosts outside the spec's
    /// roles too) and every switch (the linux target configures them as Linux routers).
    /// </summary>
    public static IReadOnlyList<InventoryNode> InventoryNodes(LbSpec spec, Fabric fabric) =>
        [.. fabric.Hosts.Select(h => new InventoryNode(h.Name, h.Interface)),
         .. spec.Target == SwitchTarget.Bmv2 ? [] : fabric.Switches.Select(s => new InventoryNode(s.Name, null))];

    /// <summary>
    /// The linux target routes with `ip route` between addressed ports, and the frr target peers BGP over them: a fabric
    /// whose switch-to-switch links carry no addresses (p4-utils' mixed strategy) can only run on bmv2. Reported at
    /// switches.target, or at topology.
    /// </summary>
    private static SpecDiagnostic? TargetProblem(LbSpec spec, Fabric fabric)
    {
        if (spec.Target == SwitchTarget.Bmv2) return null;
        var bare = fabric.Links.FirstOrDefault(l => fabric.IsSwitch(l.A.Node) && (l.A.Address is null || l.B.Address is null));
        if (bare is null) return null;
        var what = spec.Target == SwitchTarget.Frr ? "the frr target peers BGP over addressed switch ports" : "the linux target routes between addressed switch ports";
        var message = $"{what}, but the link {bare.A.Node}-{bare.B.Node} of {spec.TopologyAsWritten} has no addresses "
            + "(p4-utils' assignment_strategy 'mixed' leaves switch links unaddressed); use assignment_strategy \"l3\" in the topology, or switches.target: bmv2";
        return spec.Source.Has("switches.target") ? spec.Source.At("switches.target", message) : spec.Source.AtKey("topology", message);
    }

    /// <summary>How messages name an input file: relative to the working directory when it is below it, else absolute.</summary>
    public static string DisplayPath(string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }

    /// <summary>The clients: as listed, or every host that is neither mux nor DIP, in natural order.</summary>
    public static ImmutableArray<string> Clients(LbSpec spec, Fabric fabric)
    {
        if (spec.Clients is { } listed) return listed;
        var taken = spec.Muxes.Concat(spec.Dips.Select(d => d.Host)).ToHashSet(StringComparer.Ordinal);
        return [.. fabric.Hosts.Select(h => h.Name).Where(h => !taken.Contains(h))];
    }
}

/// <summary>A spec that passed every check, the fabric it runs on, its resolved client hosts and its engines' configs.</summary>
public sealed record LoadedSpec(LbSpec Spec, Fabric Fabric, ImmutableArray<string> Clients, EngineConfigs Engines)
{
    /// <summary>Policy warnings (<see cref="SpecPolicy"/>): the command prints them; --strict made them errors instead.</summary>
    public ImmutableArray<SpecDiagnostic> Warnings { get; init; } = [];

    /// <summary>The machines of lb.yaml's inventory, or null for the testbed (mnexec).</summary>
    public Inventory? Inventory { get; init; }
}
