using System.Globalization;
using System.Text.Json;
using Lb.Core.Addressing;

namespace Lb.Core.Config;

/// <summary>
/// Reads typed values out of a JsonDocument while recording every problem with its key path
/// (e.g. <c>dips[1].address</c>), so a config with several mistakes is reported in one go.
/// </summary>
internal sealed class JsonWalker
{
    public List<string> Errors { get; } = [];

    public void Error(string path, string message) => Errors.Add($"{path}: {message}");

    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>Checks the element is an object whose keys are all in <paramref name="allowed"/>.</summary>
    public bool Object(JsonElement element, string path, params string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path.Length == 0 ? "(root)" : path, $"expected an object, got {Describe(element)}");
            return false;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name))
                Error(Child(path, property.Name), $"unknown key; remove it (allowed here: {string.Join(", ", allowed)})");
        }
        return true;
    }

    public JsonElement? Get(JsonElement obj, string path, string key, bool required, string example)
    {
        if (obj.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null) return value;
        if (required) Error(Child(path, key), $"missing; add it, e.g. \"{key}\": {example}");
        return null;
    }

    public string? String(JsonElement obj, string path, string key, bool required, string example)
    {
        if (Get(obj, path, key, required, example) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            Error(Child(path, key), $"expected a non-empty string, got {Describe(value)}; e.g. \"{key}\": {example}");
            return null;
        }
        return value.GetString();
    }

    public long? Integer(JsonElement obj, string path, string key, bool required, long min, long max, string example)
    {
        if (Get(obj, path, key, required, example) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            Error(Child(path, key), $"expected an integer, got {Describe(value)}; e.g. \"{key}\": {example}");
            return null;
        }
        if (number < min || number > max)
        {
            Error(Child(path, key), $"{number.ToString(CultureInfo.InvariantCulture)} is out of range; use {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }
        return number;
    }

    public bool? Boolean(JsonElement obj, string path, string key)
    {
        if (Get(obj, path, key, false, "true") is not { } value) return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
        Error(Child(path, key), $"expected true or false, got {Describe(value)}");
        return null;
    }

    public Ipv4Address? Address(JsonElement obj, string path, string key, bool required, string example)
    {
        var text = String(obj, path, key, required, $"\"{example}\"");
        if (text is null) return null;
        if (Ipv4Address.TryParse(text, out var address)) return address;
        Error(Child(path, key), $"'{text}' is not an IPv4 address; write four numbers 0-255, e.g. \"{example}\"");
        return null;
    }

    /// <summary>An optional MAC: absent or null means "discover it".</summary>
    public MacAddress? Mac(JsonElement obj, string path, string key)
    {
        var text = String(obj, path, key, false, "\"00:00:0a:0d:01:02\"");
        if (text is null) return null;
        if (MacAddress.TryParse(text, out var mac)) return mac;
        Error(Child(path, key), $"'{text}' is not a MAC address; write six hex pairs, e.g. \"00:00:0a:0d:01:02\", or null to discover it");
        return null;
    }

    public IEnumerable<(JsonElement Item, string Path)> Array(JsonElement obj, string path, string key, bool required, string example)
    {
        if (Get(obj, path, key, required, example) is not { } value) yield break;
        if (value.ValueKind != JsonValueKind.Array)
        {
            Error(Child(path, key), $"expected an array, got {Describe(value)}; e.g. \"{key}\": {example}");
            yield break;
        }
        var index = 0;
        foreach (var item in value.EnumerateArray())
            yield return (item, $"{Child(path, key)}[{index++}]");
    }

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => element.ValueKind.ToString(),
    };
}
