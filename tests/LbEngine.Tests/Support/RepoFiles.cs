namespace Lb.Engine.Tests.Support;

/// <summary>Files of the checkout the tests run from (the directory holding lbdeploy.slnx).</summary>
internal static class RepoFiles
{
    public static string Root { get; } = Locate();

    public static string Read(params string[] parts) => File.ReadAllText(Path.Combine([Root, .. parts]));

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "lbdeploy.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"lbdeploy.slnx not found above {AppContext.BaseDirectory}");
    }
}
