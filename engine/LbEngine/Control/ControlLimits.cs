namespace Lb.Engine.Control;

/// <summary>
/// What one control client may cost the engine. The control socket is root-only, but a stuck or buggy client (a
/// script that never sends its line, a wrong file piped into socat) must not hold the server or make it allocate.
/// </summary>
public sealed record ControlLimits
{
    public static readonly ControlLimits Default = new();

    /// <summary>The longest request, its newline included; a longer one is refused (commands are a few words).</summary>
    public int MaxRequestBytes { get; init; } = 1024;

    /// <summary>How long a client has to send its request line from the moment it connects: a silent or trickling
    /// client is answered with an error and cut off then.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long writing the reply may take: a client that stops reading a large reply is cut off then.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections served at once; one more is answered "busy" and closed at once.</summary>
    public int MaxConnections { get; init; } = 16;
}
