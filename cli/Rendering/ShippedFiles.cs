namespace Lbdeploy.Rendering;

/// <summary>
/// Files under <c>templates/</c> that lbdeploy ships as they are, not rendered (e.g. the script `trace --live` runs in
/// a client), embedded in this assembly like the templates (resource name templates/&lt;path&gt;).
/// </summary>
public static class ShippedFiles
{
    public static string Read(string name)
    {
        var assembly = typeof(ShippedFiles).Assembly;
        using var stream = assembly.GetManifestResourceStream("templates/" + name)
            ?? throw new InvalidOperationException($"file 'templates/{name}' is not embedded in {assembly.GetName().Name}; add it to the EmbeddedResource items of cli/Lbdeploy.csproj");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
