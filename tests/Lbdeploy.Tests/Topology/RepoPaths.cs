namespace Lbdeploy.Tests.Topology;

/// <summary>Finds files of the repository from the test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string CourseAppConfig => Of("examples", "fabrics", "fattree_app.json");

    public static string CourseTopologyJson => Of("examples", "fabrics", "fattree_topology.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "lbdeploy.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (lbdeploy.slnx) above " + AppContext.BaseDirectory);
    }
}
