namespace Lbdeploy.Tests.Spec;

/// <summary>Finds files of the checkout the tests run from (the directory holding lbdeploy.slnx).</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Locate();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "lbdeploy.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"lbdeploy.slnx not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A scratch directory holding a spec, a copy of the course fat tree (fattree.json) and a docroot.</summary>
internal sealed class SpecDirectory : IDisposable
{
    public SpecDirectory()
    {
        Path = Directory.CreateTempSubdirectory("lbdeploy-spec-").FullName;
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "wwwroot"));
        File.Copy(RepoPaths.Combine("examples", "fattree", "fattree_app.json"), System.IO.Path.Combine(Path, "fattree.json"));
    }

    public string Path { get; }

    public string Write(string yaml, string name = "lb.yaml")
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, yaml);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
