using System.Collections.Immutable;

namespace Lbdeploy.Topology;

/// <summary>
/// Generates p4-utils app configs for standard fabrics, so tests, benchmarks and examples go through the same importer
/// as user files. Uses l3 addressing when p4-utils can build it, else <see cref="AssignmentStrategies.L3Wide"/>.
/// </summary>
public static class FabricGenerators
{
    /// <summary>
    /// Largest generated fabric: as many hosts as l3-wide addressing numbers (h1..h65535). A k=62 fat tree (59,582
    /// hosts) is the largest fat tree under it; bigger asks would only exhaust memory.
    /// </summary>
    public const int MaxHosts = 65_535;

    /// <summary>Largest number of switches (l3-wide gives each switch link a /24 of 20.0.0.0/8, 65,535 of them).</summary>
    public const int MaxSwitches = 16_384;

    /// <summary>Why a fat tree of <paramref name="k"/> cannot be generated, or null.</summary>
    public static string? FatTreeProblem(int k) =>
        k < 2 || k % 2 != 0 ? $"a fat tree needs an even k of at least 2, not {k}"
        : (long)k * k * k / 4 > MaxHosts ? $"a k={k} fat tree has {(long)k * k * k / 4} hosts, more than the {MaxHosts} lbdeploy can address; use k of 62 or less"
        : null;

    /// <summary>Why a leaf-spine of this shape cannot be generated, or null.</summary>
    public static string? LeafSpineProblem(int leaves, int spines, int hostsPerLeaf) =>
        leaves < 1 || spines < 1 || hostsPerLeaf < 1 ? "leaves, spines and hosts per leaf must each be at least 1"
        : (long)leaves * hostsPerLeaf > MaxHosts ? $"{(long)leaves * hostsPerLeaf} hosts are more than the {MaxHosts} lbdeploy can address"
        : (long)leaves + spines > MaxSwitches ? $"{(long)leaves + spines} switches are more than {MaxSwitches}"
        : (long)leaves * spines > 0xFFFF ? $"{(long)leaves * spines} leaf-spine links are more than 65535"
        : null;

    /// <summary>
    /// A k-ary fat tree named like the course's: hosts h1.., ToRs t1..t(k²/2), aggregation a1..a(k²/2), cores
    /// c1..c(k²/4). Pod p holds ToRs and aggregation switches p·k/2+1..(p+1)·k/2, each ToR has k/2 hosts, and the j-th
    /// aggregation switch of every pod (j from 0) links to cores j·k/2+1..(j+1)·k/2. k=4 gives the course fabric.
    /// </summary>
    public static AppConfig FatTree(int k, LinkOptions? options = null)
    {
        if (k < 2 || k % 2 != 0) throw new ArgumentOutOfRangeException(nameof(k), k, "a fat tree needs an even k of at least 2");
        var half = k / 2;
        var opts = options ?? LinkOptions.None;
        var tors = k * half;
        var cores = half * half;
        var links = ImmutableArray.CreateBuilder<AppLink>();
        var host = 0;
        for (var t = 1; t <= tors; t++)
            for (var i = 0; i < half; i++)
                links.Add(new AppLink($"h{++host}", $"t{t}", opts));
        for (var pod = 0; pod < k; pod++)
            for (var t = 0; t < half; t++)
                for (var a = 0; a < half; a++)
                    links.Add(new AppLink($"t{pod * half + t + 1}", $"a{pod * half + a + 1}", opts));
        for (var pod = 0; pod < k; pod++)
            for (var a = 0; a < half; a++)
                for (var c = 0; c < half; c++)
                    links.Add(new AppLink($"a{pod * half + a + 1}", $"c{a * half + c + 1}", opts));
        var switches = Names("t", tors).Concat(Names("a", tors)).Concat(Names("c", cores));
        return Build(Names("h", host), switches, links.ToImmutable());
    }

    /// <summary>
    /// A two-tier leaf-spine: leaves l1..lL each with <paramref name="hostsPerLeaf"/> hosts (h1.. in leaf order) and a
    /// link to every spine s1..sS.
    /// </summary>
    public static AppConfig LeafSpine(int leaves, int spines, int hostsPerLeaf, LinkOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(leaves, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spines, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hostsPerLeaf, 1);
        var opts = options ?? LinkOptions.None;
        var links = ImmutableArray.CreateBuilder<AppLink>();
        var host = 0;
        for (var l = 1; l <= leaves; l++)
            for (var i = 0; i < hostsPerLeaf; i++)
                links.Add(new AppLink($"h{++host}", $"l{l}", opts));
        for (var l = 1; l <= leaves; l++)
            for (var s = 1; s <= spines; s++)
                links.Add(new AppLink($"l{l}", $"s{s}", opts));
        return Build(Names("h", host), Names("l", leaves).Concat(Names("s", spines)), links.ToImmutable());
    }

    private static IEnumerable<string> Names(string prefix, int count) => Enumerable.Range(1, count).Select(i => $"{prefix}{i}");

    private static AppConfig Build(IEnumerable<string> hosts, IEnumerable<string> switches, ImmutableArray<AppLink> links)
    {
        var hostList = hosts.ToImmutableArray();
        var switchList = switches.ToImmutableArray();
        // p4-utils' l3 asserts switch ids and host numbers below 254
        var fitsL3 = switchList.Length < 254 && hostList.Length < 254;
        return new AppConfig(fitsL3 ? AssignmentStrategies.L3 : AssignmentStrategies.L3Wide, hostList, switchList, links);
    }
}
