using Lbdeploy.Common;
using System.Collections.Immutable;
using Lbdeploy.Spec;
using Lbdeploy.Topology;

namespace Lbdeploy.Planning;

/// <summary>
/// Reads a spec and the topology it names, and runs every check that needs only those two: YAML shape and values
/// (<see cref="SpecReader"/>), the topology file (its <see cref="TopologyException"/> becomes a diagnostic at the
/// `topology:` key) and the hosts and VIP against the fabric (<see cref="SpecValidator"/>). Throws one
/// <see cref="SpecException"/> carrying every problem found.
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
        if (fabric is not null)
        {
            var skip = diagnostics.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);
            diagnostics.AddRange(SpecValidator.Validate(spec, fabric, skip));
        }
        var warnings = SpecPolicy.Check(spec).Select(w => strict ? w with { Severity = DiagnosticSeverity.Error, Message = w.Message + " (an error under --strict)" } : w).ToList();
        diagnostics.AddRange(warnings.Where(w => w.IsError));
        if (diagnostics.Count > 0 || fabric is null)
        {
            throw new SpecException(SpecException.Ordered(diagnostics.Concat(warnings.Where(w => !w.IsError))));
        }
        return new LoadedSpec(spec, fabric, Clients(spec, fabric)) { Warnings = [.. warnings] };
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

/// <summary>A spec that passed every check, the fabric it runs on and its resolved client hosts.</summary>
public sealed record LoadedSpec(LbSpec Spec, Fabric Fabric, ImmutableArray<string> Clients)
{
    /// <summary>Policy warnings (<see cref="SpecPolicy"/>): the command prints them; --strict made them errors instead.</summary>
    public ImmutableArray<SpecDiagnostic> Warnings { get; init; } = [];
}
