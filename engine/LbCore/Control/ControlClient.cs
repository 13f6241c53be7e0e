using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lb.Core.Flows;
using Lb.Core.Stats;

namespace Lb.Core.Control;

/// <summary>
/// Talks to a running lbengine over its Unix control socket: writes one command line, reads one JSON document until
/// the engine closes the connection. Commands: stats, reload, drain NAME, undrain NAME, weight NAME N, conns [LIMIT],
/// lookup PROTO SRC:PORT DST:PORT, health, metrics (Prometheus text).
/// A reply longer than <paramref name="maxReplyBytes"/> or slower than <paramref name="timeout"/> is an error: a
/// misbehaving engine cannot make lbdeploy read forever.
/// <paramref name="carrier"/>, when given, carries each command line to the socket and its reply back instead of a
/// local connection (lbdeploy's SSH transport runs `lbengine ctl` on the engine's machine); replies are parsed alike.
/// </summary>
public sealed class ControlClient(string socketPath, TimeSpan? timeout = null, int maxReplyBytes = ControlClient.MaxReplyBytes,
    Func<string, CancellationToken, Task<string>>? carrier = null)
{
    /// <summary>The longest reply read by default: far above the metrics of an engine with a thousand DIPs.</summary>
    public const int MaxReplyBytes = 16 << 20;

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(5);

    public string SocketPath { get; } = socketPath;

    /// <summary>Sends <paramref name="command"/> and returns the raw JSON reply.</summary>
    public async Task<string> SendAsync(string command, CancellationToken cancellationToken = default)
    {
        if (command.Contains('\n')) throw new ArgumentException("a control command is a single line", nameof(command));
        if (carrier is not null) return await carrier(command, cancellationToken);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(_timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), timeoutSource.Token);
            await socket.SendAsync(Encoding.UTF8.GetBytes(command + "\n"), SocketFlags.None, timeoutSource.Token);
            socket.Shutdown(SocketShutdown.Send);
            using var reply = new MemoryStream();
            var buffer = new byte[8192];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeoutSource.Token)) > 0)
            {
                if (reply.Length + read > maxReplyBytes)
                    throw new ControlException($"the engine on {SocketPath} sent more than {maxReplyBytes} bytes for '{command}', more than any reply; check its log", ControlFailure.BadReply);
                reply.Write(buffer, 0, read);
            }
            return Encoding.UTF8.GetString(reply.GetBuffer(), 0, (int)reply.Length);
        }
        catch (SocketException e)
        {
            var gone = e.SocketErrorCode == SocketError.ConnectionRefused || !File.Exists(SocketPath);
            throw new ControlException($"no engine answers on {SocketPath} ({e.Message}); is lbengine running on that host? check its log",
                gone ? ControlFailure.NoEngine : ControlFailure.Unreachable);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ControlException($"the engine on {SocketPath} did not answer '{command}' within {_timeout.TotalSeconds:0.#} s; check its log", ControlFailure.TimedOut);
        }
    }

    /// <summary>Sends a command and parses the reply; throws <see cref="ControlException"/> when it says ok: false.</summary>
    public async Task<JsonDocument> SendCheckedAsync(string command, CancellationToken cancellationToken = default)
    {
        var text = await SendAsync(command, cancellationToken);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new ControlException($"the engine on {SocketPath} sent a reply that is not JSON: {Truncate(text)}", ControlFailure.BadReply);
        }
        if (document.RootElement.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True) return document;
        var error = document.RootElement.TryGetProperty("error", out var message) ? message.GetString() : "no error message";
        var notServed = document.RootElement.TryGetProperty("served", out var served) && served.ValueKind == JsonValueKind.False;
        document.Dispose();
        throw new ControlException($"'{command}' failed on {SocketPath}: {error}", notServed ? ControlFailure.NotServed : ControlFailure.Answered);
    }

    public async Task<EngineStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        using var document = await SendCheckedAsync("stats", cancellationToken);
        return document.RootElement.Deserialize<EngineStats>(ControlJson.Options)
            ?? throw new ControlException($"the engine on {SocketPath} sent empty stats");
    }

    public async Task ReloadAsync(CancellationToken cancellationToken = default) => (await SendCheckedAsync("reload", cancellationToken)).Dispose();
    public async Task DrainAsync(string dip, CancellationToken cancellationToken = default) => (await SendCheckedAsync($"drain {dip}", cancellationToken)).Dispose();
    public async Task UndrainAsync(string dip, CancellationToken cancellationToken = default) => (await SendCheckedAsync($"undrain {dip}", cancellationToken)).Dispose();
    /// <summary>`weight NAME N` on a mux: N equal to the config's weight clears the runtime override.</summary>
    public Task<WeightReply> SetWeightAsync(string dip, int weight, CancellationToken cancellationToken = default) =>
        SendTypedAsync<WeightReply>(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"weight {dip} {weight}"), cancellationToken);

    /// <summary>`conns LIMIT`: a mux's live flows, most recently used first.</summary>
    public Task<ConnectionsReply> GetConnectionsAsync(int limit, CancellationToken cancellationToken = default) =>
        SendTypedAsync<ConnectionsReply>(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"conns {limit}"), cancellationToken);

    /// <summary>`lookup PROTO SRC:PORT DST:PORT`: the DIP a mux sends the flow to, and from where it knows.</summary>
    public Task<FlowLookupReply> LookupAsync(FlowKey flow, CancellationToken cancellationToken = default) =>
        SendTypedAsync<FlowLookupReply>($"lookup {FlowQuery.Format(flow)}", cancellationToken);

    private async Task<T> SendTypedAsync<T>(string command, CancellationToken cancellationToken) where T : class
    {
        using var document = await SendCheckedAsync(command, cancellationToken);
        try
        {
            return document.RootElement.Deserialize<T>(ControlJson.Options)
                ?? throw new ControlException($"the engine on {SocketPath} sent an empty reply to '{command}'");
        }
        catch (JsonException e)
        {
            throw new ControlException($"the engine on {SocketPath} sent a reply to '{command}' lbdeploy cannot read ({e.Message}); is it an older lbengine?");
        }
    }

    public async Task HealthAsync(CancellationToken cancellationToken = default) => (await SendCheckedAsync("health", cancellationToken)).Dispose();

    /// <summary>
    /// The engine's metrics in Prometheus text format (the one command whose reply is not JSON; an error still is).
    /// </summary>
    public async Task<string> GetMetricsAsync(CancellationToken cancellationToken = default)
    {
        var text = await SendAsync("metrics", cancellationToken);
        if (!text.StartsWith('{')) return text;
        using var document = JsonDocument.Parse(text);
        var error = document.RootElement.TryGetProperty("error", out var message) ? message.GetString() : "no error message";
        throw new ControlException($"'metrics' failed on {SocketPath}: {error}");
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}

/// <summary>Why a control command got no good reply; <see cref="Failure"/> tells an engine that is not there from one that is slow or says no.</summary>
public sealed class ControlException(string message, ControlFailure failure = ControlFailure.Answered) : Exception(message)
{
    public ControlFailure Failure { get; } = failure;
}

public enum ControlFailure
{
    /// <summary>The engine ran the command and answered ok: false (an unknown DIP, or it reports itself unhealthy).</summary>
    Answered,

    /// <summary>The engine's control server did not run the command (busy with other clients, a request it could not read).</summary>
    NotServed,

    /// <summary>Nothing listens on the socket (no socket file, or connection refused): no engine runs there.</summary>
    NoEngine,

    /// <summary>The socket failed otherwise (a full backlog, a reset): the engine may be there but overloaded.</summary>
    Unreachable,

    /// <summary>The engine took longer than the timeout to answer.</summary>
    TimedOut,

    /// <summary>The reply was not one an engine sends (not JSON, too long, unreadable).</summary>
    BadReply,
}
