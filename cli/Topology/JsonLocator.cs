using System.Text;
using System.Text.Json;
using Lbdeploy.Common;

namespace Lbdeploy.Topology;

/// <summary>
/// Item paths in a JSON document (<c>topology.links[3]</c>, <c>topology.hosts.h1</c>, <c>nodes[2].id</c>) and where
/// they are written, so topology problems point at file:line:column like spec problems do. JsonDocument keeps no
/// positions; one pass of Utf8JsonReader over the text finds the wanted paths (only when there are problems to report).
/// </summary>
public static class JsonLocator
{
    /// <summary>The path of property <paramref name="name"/> of the object at <paramref name="parent"/>.</summary>
    public static string Property(string parent, string name)
    {
        var plain = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
        var segment = plain ? name : $"[\"{TerminalText.Escape(name).Replace("\"", "\\\"", StringComparison.Ordinal)}\"]";
        return parent.Length == 0 ? segment : plain ? $"{parent}.{segment}" : parent + segment;
    }

    /// <summary>The path of item <paramref name="index"/> of the array at <paramref name="parent"/>.</summary>
    public static string Item(string parent, int index) => $"{parent}[{index}]";

    /// <summary>
    /// Where each wanted path is written: a property at its name, an array item at its value. A path that does not
    /// exist falls back to its nearest existing parent, and to 1:1.
    /// </summary>
    public static Dictionary<string, SourceLocation> Locate(string json, IEnumerable<string> paths)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            for (var p = path; p.Length > 0; p = Parent(p)) wanted.Add(p);
        }
        var found = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        if (wanted.Count > 0) Scan(Encoding.UTF8.GetBytes(json), wanted, found);
        var result = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var p = path;
            while (p.Length > 0 && !found.ContainsKey(p)) p = Parent(p);
            result[path] = p.Length > 0 ? found[p] : SourceLocation.Start;
        }
        return result;
    }

    private static void Scan(byte[] utf8, HashSet<string> wanted, Dictionary<string, SourceLocation> found)
    {
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n') lineStarts.Add(i + 1);
        }
        SourceLocation At(long offset)
        {
            var index = lineStarts.BinarySearch((int)offset);
            var line = index >= 0 ? index : ~index - 1;
            var column = 1;
            for (var i = lineStarts[line]; i < offset; i++)
            {
                if ((utf8[i] & 0xC0) != 0x80) column++; // count characters, not UTF-8 continuation bytes
            }
            return new SourceLocation(line + 1, column);
        }

        var options = new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = InputLimits.MaxNesting };
        var reader = new Utf8JsonReader(utf8, options);
        // Per open container: its path, whether it is an array, and the next item index or the last property's path.
        var stack = new Stack<(string Path, bool IsArray, int Index)>();
        string? pendingProperty = null;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    var (parentPath, _, _) = stack.Peek();
                    pendingProperty = Property(parentPath, reader.GetString()!);
                    if (wanted.Contains(pendingProperty)) found.TryAdd(pendingProperty, At(reader.TokenStartIndex));
                    continue;
                }
                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    stack.Pop();
                    continue;
                }
                // A value: its path is the pending property's, or the next index of the enclosing array.
                string path;
                if (stack.Count == 0) path = "";
                else if (stack.Peek().IsArray)
                {
                    var (parentPath, isArray, index) = stack.Pop();
                    stack.Push((parentPath, isArray, index + 1));
                    path = Item(parentPath, index);
                    if (wanted.Contains(path)) found.TryAdd(path, At(reader.TokenStartIndex));
                }
                else path = pendingProperty ?? "";
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    stack.Push((path, reader.TokenType == JsonTokenType.StartArray, 0));
                }
            }
        }
        catch (JsonException)
        {
            // Only valid documents are located (a syntax error is reported by the parser with its own position).
        }
    }

    private static string Parent(string path)
    {
        if (path.EndsWith(']'))
        {
            // [N] or ["name"]: cut at the bracket that opens the last segment.
            var open = path.EndsWith("\"]", StringComparison.Ordinal) ? path.LastIndexOf("[\"", StringComparison.Ordinal) : path.LastIndexOf('[');
            return open <= 0 ? "" : path[..open];
        }
        var dot = path.LastIndexOf('.');
        var bracket = path.LastIndexOf(']');
        return dot > bracket ? path[..dot] : bracket >= 0 ? path[..(bracket + 1)] : "";
    }
}
