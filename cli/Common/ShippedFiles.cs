
namespace Lbdeploy.Common;

/// <summary>
/// Files under <c>templates/</c> that lbdeploy ships as they are, not rendered (e.g. the script `trace --live` runs in
/// a client), embedded in this assembly like the templates (resource name templates/&lt;path&gt;).
/// </summary>
public static class ShippedFiles
{
    /// <summary>
    /// Writes a shipped script into the state folder's scripts/ (mininet hosts share the machine's filesystem, so a
    /// command run inside a host can execute it) and returns its path; rewritten only when its content changed.
    /// </summary>
    public static string Install(string name) => Install(name, Path.Combine(StateDirectories.Root, "scripts"));

    /// <summary>Like <see cref="Install(string)"/>, into <paramref name="scripts"/> (the scripts/ of a given state folder).</summary>
    public static string Install(string name, string scripts)
    {
        var text = Read(name);
        var path = Path.Combine(scripts, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            var temp = path + ".tmp";
            File.WriteAllText(temp, text);
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.Move(temp, path, overwrite: true);
        }
        return path;
    }

    public static string Read(string name)
    {
        var assembly = typeof(ShippedFiles).Assembly;
        using var stream = assembly.GetManifestResourceStream("templates/" + name)
            ?? throw new InvalidOperationException($"file 'templates/{name}' is not embedded in {assembly.GetName().Name}; add it to the EmbeddedResource items of cli/Lbdeploy.csproj");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
