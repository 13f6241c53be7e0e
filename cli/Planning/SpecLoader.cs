using System.Collections.Immutable;
using Lbdeploy.Spec;
using Lbdeploy.Topology;

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
    public static LoadedSpec Load(string specPath, string? displayPath = null, string? specText = null)
    {
        var read = specText is null
            ? SpecReader.Read(specPath, displayPath)
            : SpecReader.Parse(specText, Path.GetFullPath(specPath), displayPath ?? specPath);
        var diagnostics = read.Diagnostics.ToList();
        if (read.Spec is not { } spec)
        {
            throw new SpecException([.. diagnostics.OrderBy(d => d.Location)]);
        }

        Fabric? fabric = null;
        if (spec.TopologyPath.Length > 0)
        {
            try
            {
                fabric = FabricLoader.Load(spec.TopologyPath);
            }
            catch (TopologyException e)
            {
                // Name the file as the spec wrote it, not as an absolute path.
                diagnostics.Add(spec.Source.AtKey("topology", e.Message.Replace(spec.TopologyPath, spec.TopologyAsWritten, StringComparison.Ordinal)));
            }
        }
        EngineConfigs? engines = null;
        if (fabric is not null)
        {
            var skip = diagnostics.Select(d => d.Path).ToHashSet(StringComparer.Ordinal);
            diagnostics.AddRange(SpecValidator.Validate(spec, fabric, skip));
            // The engine configs need every host's address: with a host missing from the topology, their rules wait
            // until that is fixed.
            if (EngineConfigs.CanBuild(spec, fabric))
            {
                engines = EngineConfigs.Build(spec, fabric);
                diagnostics.AddRange(engines.Check(spec, [.. diagnostics.Select(d => d.Path)]));
            }
        }
        if (diagnostics.Count > 0 || fabric is null || engines is null)
        {
            throw new SpecException([.. diagnostics.OrderBy(d => d.Location)]);
        }
        return new LoadedSpec(spec, fabric, Clients(spec, fabric), engines);
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
public sealed record LoadedSpec(LbSpec Spec, Fabric Fabric, ImmutableArray<string> Clients, EngineConfigs Engines);
