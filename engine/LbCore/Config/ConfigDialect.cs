using System.Globalization;

namespace Lb.Core.Config;

/// <summary>
/// How a format that carries engine config values names keys and writes durations in messages. The engine config's
/// JSON is this base class; lbdeploy maps it onto lb.yaml, so each rule of <see cref="EngineConfigValidator"/> and its
/// message are written once.
/// </summary>
public class ConfigDialect
{
    public static readonly ConfigDialect Json = new();

    /// <summary>Where the reader wrote the key at a JSON path such as <c>health.timeout_ms</c> (here: that path).</summary>
    public virtual string Path(string jsonPath) => jsonPath;

    /// <summary>A duration the JSON holds in milliseconds, as the reader writes it (here: the number).</summary>
    public virtual string Milliseconds(long milliseconds) => milliseconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>The name of the key at a JSON path: the last part of <see cref="Path"/>, without a list index.</summary>
    public string Key(string jsonPath)
    {
        var path = Path(jsonPath);
        var name = path[(path.LastIndexOf('.') + 1)..];
        var index = name.IndexOf('[');
        return index < 0 ? name : name[..index];
    }
}
