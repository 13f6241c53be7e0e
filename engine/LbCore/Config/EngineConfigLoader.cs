using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lb.Core.Config;

/// <summary>
/// Strict reader of the engine config (engine/README.md): the document's shape (unknown keys, wrong types, missing
/// keys, malformed addresses) and then <see cref="EngineConfigValidator"/>'s rules, each error naming the key path
/// and the fix; every error of a file is reported together in one <see cref="EngineConfigException"/>.
/// </summary>
public static class EngineConfigLoader
{
    // The generated code gives an init-only property that the JSON leaves out default(T), not its initializer's
    // value (mtu 0, dips null): before deserializing, the keys a file left out are taken from a config that sets only
    // the required ones (its placeholders for those are never taken: a missing required key is an error).
    private static readonly Lazy<JsonObject> Defaults = new(() => JsonSerializer.SerializeToNode(new EngineConfig
    {
        Role = default,
        Host = "",
        Interface = "",
        Address = default,
        Gateway = new GatewayConfig(default),
        ControlSocket = "",
        Vips = [],
    }, EngineConfigJsonContext.Default.EngineConfig)!.AsObject());

    public static EngineConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineConfigException(path, [new ConfigError("", $"cannot read the file ({e.Message}); check the --config path")]);
        }
        return Parse(json, path);
    }

    public static EngineConfig Parse(string json, string source = "<config>")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new EngineConfigException(source, [new ConfigError("", $"not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}")]);
        }
        using (document)
        {
            var typeInfo = EngineConfigJsonContext.Default.EngineConfig;
            var shape = new JsonShapeChecker(typeInfo.Options);
            var usable = shape.Check(document.RootElement, typeInfo, "");
            var errors = shape.Errors;
            EngineConfig? config = null;
            if (usable is not null && shape.Complete)
            {
                foreach (var (key, value) in Defaults.Value)
                    if (!usable.AsObject().ContainsKey(key)) usable[key] = value?.DeepClone();
                try
                {
                    config = usable.Deserialize(typeInfo);
                }
                catch (JsonException e)
                {
                    // The shape check lets through only what deserializes; this names what it missed all the same.
                    errors.Add(new ConfigError(e.Path?.TrimStart('$', '.') ?? "", FirstSentence(e.Message)));
                }
            }
            if (config is not null)
            {
                // A key the shape check already reported holds its default here: its rules would only repeat it.
                errors.AddRange(EngineConfigValidator.Validate(config).Where(e => !errors.Any(reported => Concerns(reported.Path, e))));
            }
            if (errors.Count > 0 || config is null) throw new EngineConfigException(source, errors);
            return config;
        }
    }

    private static bool Concerns(string reportedPath, ConfigError error) =>
        reportedPath.Length > 0 && (Within(error.Path, reportedPath) || (error.OtherPath is { } other && Within(other, reportedPath)));

    private static bool Within(string path, string ancestor) =>
        path == ancestor || path.StartsWith(ancestor + ".", StringComparison.Ordinal) || path.StartsWith(ancestor + "[", StringComparison.Ordinal);

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }
}
