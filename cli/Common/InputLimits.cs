namespace Lbdeploy.Common;

/// <summary>
/// Bounds on what lbdeploy reads, so no input file can exhaust memory, time or the stack. Generous for real inputs
/// (the course's lb.yaml is under 1 KB, a k=16 fat tree's topology.json a few MB) and far below the harm they prevent.
/// </summary>
public static class InputLimits
{
    /// <summary>Largest lb.yaml.</summary>
    public const long MaxSpecBytes = 1 << 20;

    /// <summary>Largest topology file (p4-utils app config or topology.json).</summary>
    public const long MaxTopologyBytes = 64 << 20;

    /// <summary>Deepest nesting of YAML or JSON collections (lb.yaml needs 4, topology files 5).</summary>
    public const int MaxNesting = 64;

    /// <summary>Most YAML aliases (<c>*name</c>) in one spec.</summary>
    public const int MaxAliases = 1_000;

    /// <summary>Longest text value in lb.yaml (a path, a command line): far above any real one, far below a flood.</summary>
    public const int MaxTextLength = 4096;

    /// <summary>Most YAML nodes a spec may expand to, aliases counted at the size of what they repeat.</summary>
    public const int MaxYamlNodes = 100_000;
}
