using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Lb.Core.Config;

/// <summary>
/// Checks a JSON document against the shape the serializer's generated metadata gives the config records (known
/// keys, required keys, JSON kinds, the syntax of addresses and names) and reports every mismatch with its key path,
/// where deserializing stops at the first. Returns the document without the parts that failed, so the rest can still
/// be deserialized and validated and every problem of a file is reported at once.
/// </summary>
internal sealed class JsonShapeChecker(JsonSerializerOptions options)
{
    // The example config, compact, for the "e.g." of a message.
    private static readonly Lazy<JsonElement> Example = new(() =>
        JsonSerializer.SerializeToElement(EngineConfigExample.Mux, new JsonSerializerOptions(EngineConfigJsonContext.Default.Options) { WriteIndented = false }));

    public List<ConfigError> Errors { get; } = [];

    /// <summary>False when a required key or a list item had to be left out: what is left does not deserialize.</summary>
    public bool Complete { get; private set; } = true;

    /// <summary>The element as <paramref name="type"/> takes it, without what failed; null when nothing of it is usable.</summary>
    public JsonNode? Check(JsonElement element, JsonTypeInfo type, string path) => type.Kind switch
    {
        JsonTypeInfoKind.Object => CheckObject(element, type, path),
        JsonTypeInfoKind.Enumerable => CheckList(element, type, path),
        _ => CheckValue(element, type, path),
    };

    private JsonNode? CheckObject(JsonElement element, JsonTypeInfo type, string path)
    {
        if (element.ValueKind != JsonValueKind.Object) return Fail(path, $"expected an object, got {Describe(element)}{ExampleOf(path, "; e.g. ", withKey: true)}");
        // [JsonIgnore] members (computed properties) have neither accessor nor constructor parameter.
        var members = type.Properties.Where(p => p.Get is not null || p.Set is not null || p.AssociatedParameter is not null)
            .ToDictionary(p => p.Name, StringComparer.Ordinal);
        var result = new JsonObject();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var child = Child(path, property.Name);
            if (!members.TryGetValue(property.Name, out var member))
            {
                Errors.Add(new ConfigError(child, $"unknown key; remove it (allowed here: {string.Join(", ", members.Keys)})"));
                continue;
            }
            if (!written.Add(property.Name))
            {
                Errors.Add(new ConfigError(child, "appears twice; keep one"));
                result.Remove(property.Name);
                continue;
            }
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                // A null where the record takes none means "absent": the default, or "missing" below.
                if (member.IsSetNullable) result[property.Name] = null;
                continue;
            }
            if (Check(property.Value, options.GetTypeInfo(member.PropertyType), child) is { } value) result[property.Name] = value;
        }
        foreach (var member in members.Values.Where(m => m.IsRequired && !result.ContainsKey(m.Name)))
        {
            Complete = false;
            if (!element.TryGetProperty(member.Name, out var given) || given.ValueKind == JsonValueKind.Null)
                Errors.Add(new ConfigError(Child(path, member.Name), $"missing; add it{ExampleOf(Child(path, member.Name), ", e.g. ", withKey: true)}"));
        }
        return result;
    }

    private JsonNode? CheckList(JsonElement element, JsonTypeInfo type, string path)
    {
        if (element.ValueKind != JsonValueKind.Array) return Fail(path, $"expected an array, got {Describe(element)}{ExampleOf(path, "; e.g. ", withKey: true)}");
        var itemType = options.GetTypeInfo(type.ElementType!);
        var result = new JsonArray();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            // A failed item cannot be left out without shifting the indexes of the ones after it.
            if (Check(item, itemType, $"{path}[{index++}]") is { } value) result.Add(value);
            else Complete = false;
        }
        return result;
    }

    private JsonNode? CheckValue(JsonElement element, JsonTypeInfo type, string path)
    {
        var clr = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
        if (clr == typeof(string))
        {
            return element.ValueKind == JsonValueKind.String
                ? JsonValue.Create(element)
                : Fail(path, $"expected a string, got {Describe(element)}{ExampleOf(path, "; e.g. ", withKey: true)}");
        }
        if (clr == typeof(bool))
        {
            return element.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? JsonValue.Create(element)
                : Fail(path, $"expected true or false, got {Describe(element)}");
        }
        if (clr == typeof(int) || clr == typeof(uint) || clr == typeof(long))
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var number))
                return Fail(path, $"expected an integer, got {Describe(element)}{ExampleOf(path, "; e.g. ", withKey: true)}");
            var (min, max) = clr == typeof(int) ? (int.MinValue, int.MaxValue) : clr == typeof(uint) ? (0L, uint.MaxValue) : (long.MinValue, long.MaxValue);
            if (number < min || number > max)
            {
                var range = EngineLimits.Of(path)?.ToString() ?? string.Create(CultureInfo.InvariantCulture, $"{min}..{max}");
                return Fail(path, string.Create(CultureInfo.InvariantCulture, $"{number} is out of range; use {range}"));
            }
            return JsonValue.Create(element);
        }
        // Everything else the contract writes as a string its converter parses: addresses, names of enums.
        if (element.ValueKind != JsonValueKind.String) return Fail(path, $"expected a string, got {Describe(element)}{ExampleOf(path, "; e.g. ", withKey: true)}");
        try
        {
            JsonSerializer.Deserialize(element, type);
            return JsonValue.Create(element);
        }
        catch (JsonException e)
        {
            // An enum's message lists the names it takes; an address's gets an example.
            return Fail(path, clr.IsEnum ? e.Message : e.Message + ExampleOf(path, ", e.g. "));
        }
    }

    private JsonNode? Fail(string path, string message)
    {
        Errors.Add(new ConfigError(path, message));
        return null;
    }

    private static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary><paramref name="lead"/> and the example config's value at the path (<c>"port": 80</c> with the key), or "" when it has none.</summary>
    private static string ExampleOf(string path, string lead, bool withKey = false)
    {
        var element = Example.Value;
        foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = part.IndexOf('[');
            var key = bracket < 0 ? part : part[..bracket];
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element)) return "";
            // Every item of a list has the shape of the example's first.
            if (bracket >= 0 && (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)) return "";
            if (bracket >= 0) element = element[0];
        }
        if (path.Length == 0) return "";
        var name = path[(path.LastIndexOf('.') + 1)..];
        if (name.IndexOf('[') is var bracketAt and >= 0) name = name[..bracketAt];
        return withKey ? $"{lead}\"{name}\": {element.GetRawText()}" : lead + element.GetRawText();
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
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
