using Lbdeploy.Planning;
using Lbdeploy.Tests.Spec;

namespace Lbdeploy.Tests.Golden;

/// <summary>
/// Pins every file `lbdeploy plan` writes for the example specs: a change to a template, the router or the spec
/// defaults shows up as a diff here. Regenerate with tools/refresh-golden.sh (LBDEPLOY_REFRESH_GOLDEN=1) and review.
/// </summary>
public sealed class GoldenPlanTests
{
    public static TheoryData<string> Cases => ["fattree-linux", "fattree-bmv2", "fattree-frr", "leafspine"];

    /// <summary>The spec of each case: a file of the repository, optionally with edited text.</summary>
    internal static (string SpecPath, string? Text) SpecOf(string name) => name switch
    {
        "fattree-linux" => (RepoPaths.Combine("lb.yaml"), null),
        "fattree-bmv2" => (RepoPaths.Combine("lb.yaml"), SetTarget(File.ReadAllText(RepoPaths.Combine("lb.yaml")), "bmv2")),
        "fattree-frr" => (RepoPaths.Combine("lb.yaml"), SetTarget(File.ReadAllText(RepoPaths.Combine("lb.yaml")), "frr")),
        "leafspine" => (RepoPaths.Combine("examples", "leafspine.yaml"), null),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>
    /// Which files a case pins. The DIPs' VIP scripts do not depend on the target, so the bmv2 and frr cases leave them
    /// to fattree-linux and pin what the target changes: the switch rules and the summary, plus bmv2's engine configs
    /// (the muxes' gateway MAC) and frr's mux-host FRR configs.
    /// </summary>
    internal static bool IsPinned(string name, string file) => name switch
    {
        "fattree-bmv2" => !file.StartsWith("hosts/", StringComparison.Ordinal),
        "fattree-frr" => !file.StartsWith("engines/", StringComparison.Ordinal) && (!file.StartsWith("hosts/", StringComparison.Ordinal) || file.EndsWith("/frr.conf", StringComparison.Ordinal)),
        _ => true,
    };

    private static string SetTarget(string yaml, string target)
    {
        const string Linux = "target: linux";
        Assert.Contains(Linux, yaml);
        return yaml.Replace(Linux, $"target: {target}", StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_output_matches_the_golden_directory(string name)
    {
        var (specPath, text) = SpecOf(name);
        var plan = Planner.Create(specPath, Path.GetFileName(specPath), text);
        var golden = RepoPaths.Combine("tests", "Lbdeploy.Tests", "Golden", name);

        if (Environment.GetEnvironmentVariable("LBDEPLOY_REFRESH_GOLDEN") == "1")
        {
            if (Directory.Exists(golden)) Directory.Delete(golden, recursive: true);
            foreach (var (file, content) in plan.Files.Where(f => IsPinned(name, f.Key)))
            {
                PlanWriter.WriteFile(golden, file, content);
            }
        }

        Assert.True(Directory.Exists(golden), $"no golden directory {golden}; run tools/refresh-golden.sh");
        var expectedFiles = Directory.EnumerateFiles(golden, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(golden, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var pinned = plan.Files.Where(f => IsPinned(name, f.Key)).ToList();
        Assert.Equal(expectedFiles, pinned.Select(f => f.Key).ToList());
        foreach (var (file, content) in pinned)
        {
            var expected = File.ReadAllText(Path.Combine(golden, file));
            Assert.True(expected == content, $"{name}/{file} differs from the golden copy (run tools/refresh-golden.sh and review the diff):\n{FirstDifference(expected, content)}");
        }
    }

    [Fact]
    public void Covers_every_switch_of_the_fat_tree_for_every_target()
    {
        var linux = Planner.Create(RepoPaths.Combine("lb.yaml"), "lb.yaml");
        Assert.Equal(20, linux.Switches.Length);
        Assert.Equal(40, linux.Files.Keys.Count(k => k.StartsWith("switches/linux/", StringComparison.Ordinal)));
        Assert.DoesNotContain(linux.Files.Keys, k => k.StartsWith("switches/bmv2/", StringComparison.Ordinal));

        var (specPath, text) = SpecOf("fattree-bmv2");
        var bmv2 = Planner.Create(specPath, "lb.yaml", text);
        Assert.Equal(20, bmv2.Files.Keys.Count(k => k.StartsWith("switches/bmv2/", StringComparison.Ordinal)));
        Assert.DoesNotContain(bmv2.Files.Keys, k => k.StartsWith("switches/linux/", StringComparison.Ordinal));

        var (frrPath, frrText) = SpecOf("fattree-frr");
        var frr = Planner.Create(frrPath, "lb.yaml", frrText);
        Assert.Equal(20, frr.Files.Keys.Count(k => k.StartsWith("switches/frr/", StringComparison.Ordinal) && k.EndsWith(".conf", StringComparison.Ordinal)));
        Assert.Equal(20, frr.Files.Keys.Count(k => k.StartsWith("switches/frr/", StringComparison.Ordinal) && k.EndsWith(".sh", StringComparison.Ordinal)));
        Assert.Equal(["hosts/h1/frr.conf", "hosts/h2/frr.conf"], frr.Files.Keys.Where(k => k.EndsWith("/frr.conf", StringComparison.Ordinal)));
        Assert.DoesNotContain(frr.Files.Keys, k => k.StartsWith("switches/linux/", StringComparison.Ordinal));
        Assert.DoesNotContain("watcher/watch.json", frr.Files.Keys); // no watcher: each mux host's gate withdraws its own announcement
        Assert.Equal(22, frr.Routers.Length);
        Assert.Equal("zebra bgpd bfdd", string.Join(" ", frr.Routers.Single(r => r.Node == "t1").Daemons));
        Assert.Equal("zebra bgpd", string.Join(" ", frr.Routers.Single(r => r.Node == "c1").Daemons));
        Assert.Equal("20.0.0.1/32", frr.Routers.Single(r => r.Node == "h1").Announces?.ToString());
        Assert.Null(frr.Routers.Single(r => r.Node == "t1").Announces);
        Assert.Equal(frr.Muxes.Single(m => m.Host == "h1").Engine.ControlSocket, frr.Routers.Single(r => r.Node == "h1").GateSocket);
        Assert.Null(frr.Routers.Single(r => r.Node == "t1").GateSocket);
        Assert.All(frr.Switches, s => Assert.True(frr.Files.ContainsKey(s.FrrConfigFile) && frr.Files.ContainsKey(s.FrrKernelScriptFile)));
        Assert.All(frr.Muxes, m => Assert.True(frr.Files.ContainsKey(m.FrrConfigFile)));
        Assert.NotNull(frr.Bgp);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Planning_twice_gives_byte_identical_files(string name)
    {
        var (specPath, text) = SpecOf(name);
        var first = Planner.Create(specPath, Path.GetFileName(specPath), text).Files;
        var second = Planner.Create(specPath, Path.GetFileName(specPath), text).Files;
        Assert.Equal(first.Keys, second.Keys);
        foreach (var key in first.Keys) Assert.Equal(first[key], second[key]);
    }

    private static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : "<end of file>";
            var y = i < b.Length ? b[i] : "<end of file>";
            if (x != y) return $"line {i + 1}:\n  golden: {x}\n  actual: {y}";
        }
        return "(same lines, different line endings)";
    }
}
