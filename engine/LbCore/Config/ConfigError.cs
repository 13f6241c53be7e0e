namespace Lb.Core.Config;

/// <summary>
/// One problem of an engine config: the JSON path of the key (<c>dips[1].address</c>, "" for the whole document) and
/// a one-line message saying what is wrong and how to fix it.
/// </summary>
/// <param name="OtherPath">The other key a rule compared this one with (<c>health.interval_ms</c>), if any: a reader
/// that already reported that key can leave this error out.</param>
public sealed record ConfigError(string Path, string Message, string? OtherPath = null)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
