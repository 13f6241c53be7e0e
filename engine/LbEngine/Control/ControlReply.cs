using System.Text.Json;
using System.Text.Json.Nodes;
using Lb.Core.Stats;

namespace Lb.Engine.Control;

/// <summary>Builds the JSON documents the control socket answers with.</summary>
public static class ControlReply
{
    public static string Ok(string? message = null, params (string Key, object? Value)[] fields)
    {
        var node = new JsonObject { ["ok"] = true };
        if (message is not null) node["message"] = message;
        foreach (var (key, value) in fields) node[key] = JsonSerializer.SerializeToNode(value, ControlJson.Options);
        return node.ToJsonString();
    }

    public static string Error(string error) => new JsonObject { ["ok"] = false, ["error"] = error }.ToJsonString();

    /// <summary>The server did not run the request (busy, unreadable): <c>"served": false</c> tells it from a command's own error.</summary>
    public static string NotServed(string error) => new JsonObject { ["ok"] = false, ["error"] = error, ["served"] = false }.ToJsonString();

    public static string Of<T>(T value) => JsonSerializer.Serialize(value, ControlJson.Options);
}
