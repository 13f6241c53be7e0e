using System.Net.Sockets;
using System.Text;
using Lb.Engine.Runtime;

namespace Lb.Engine.Control;

/// <summary>
/// The Unix stream control socket (root-only, 0600): a client writes one line (stats, reload, drain NAME, undrain NAME,
/// health, metrics), the server writes one JSON document (metrics: Prometheus text) and closes. Accepts on its own
/// thread, off the packet path; each connection is served on its own, within <see cref="ControlLimits"/>, so a client
/// that sends nothing, too much or garbage gets an error reply (counted in <see cref="Counters"/>) and holds no one up.
/// </summary>
public sealed class ControlServer : IDisposable
{
    /// <summary>Connections the kernel holds until accepted: the accept thread only hands each to a task, so a burst
    /// waits here instead of being refused (a client's non-blocking connect fails at once on a full backlog).</summary>
    private const int Backlog = 128;

    private readonly string _path;
    private readonly IControlTarget _target;
    private readonly EngineLog _log;
    private readonly ControlLimits _limits;
    private readonly Socket _listener;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _active;

    public ControlServer(string path, IControlTarget target, EngineLog log, ControlCounters? counters = null, ControlLimits? limits = null)
    {
        _path = path;
        _target = target;
        _log = log;
        _limits = limits ?? ControlLimits.Default;
        Counters = counters ?? new ControlCounters();
        _listener = ControlSocketFile.Listen(path, Backlog);
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "lbengine-control" };
        _thread.Start();
    }

    public ControlCounters Counters { get; }

    /// <summary>Connections being served now.</summary>
    internal int ActiveConnections => Volatile.Read(ref _active);

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (Exception) when (_stopping)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors, say: wait a little rather than spin.
                _log.Warn($"control socket accept failed: {e.Message}");
                Thread.Sleep(100);
                continue;
            }
            if (Interlocked.Increment(ref _active) > _limits.MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                _ = RefuseAsync(client, new ControlRefusal(ControlResult.Busy,
                    $"busy: {_limits.MaxConnections} control connections are open; try again"));
                continue;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            using (client)
            {
                string reply;
                using (var deadline = new CancellationTokenSource(_limits.RequestTimeout))
                {
                    var (line, length, refusal) = await ReadLineAsync(client, deadline.Token);
                    reply = refusal is not null ? Refuse(refusal)
                        : ControlRequestParser.TryParse(line.AsSpan(0, length), out var request, out refusal) ? Answer(request)
                        : Refuse(refusal);
                }
                await FinishAsync(client, reply);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            _log.Trace($"control client went away: {e.Message}");
        }
        catch (Exception e)
        {
            // Nothing a client does may stop the engine: log it, keep serving.
            _log.Error($"control connection failed: {e.Message}");
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private async Task RefuseAsync(Socket client, ControlRefusal refusal)
    {
        try
        {
            using (client) await FinishAsync(client, Refuse(refusal));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            _log.Trace($"control client went away: {e.Message}");
        }
    }

    /// <summary>
    /// The request line (the bytes before the first newline, or all until the client shuts down its side), or why
    /// there is none: too long for <see cref="ControlLimits.MaxRequestBytes"/>, or not complete by the deadline.
    /// </summary>
    private async Task<(byte[] Line, int Length, ControlRefusal? Refusal)> ReadLineAsync(Socket client, CancellationToken deadline)
    {
        var buffer = new byte[_limits.MaxRequestBytes];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
                return (buffer, 0, new ControlRefusal(ControlResult.TooLarge,
                    $"the request is longer than {_limits.MaxRequestBytes} bytes; send one short line such as 'stats'"));
            int read;
            try
            {
                read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, deadline);
            }
            catch (OperationCanceledException)
            {
                return (buffer, 0, new ControlRefusal(ControlResult.Timeout,
                    $"no complete request line within {_limits.RequestTimeout.TotalSeconds:0.###} s; send one line such as 'stats' and a newline"));
            }
            if (read == 0) return (buffer, length, null);
            var newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            if (newline >= 0) return (buffer, newline, null);
            length += read;
        }
    }

    private string Answer(ControlRequest request)
    {
        try
        {
            var reply = request.Command switch
            {
                ControlCommand.Stats => _target.Stats(),
                ControlCommand.Health => _target.Health(),
                ControlCommand.Metrics => _target.Metrics(),
                ControlCommand.Reload => _target.Reload(),
                ControlCommand.Drain => _target.Drain(request.Name!),
                ControlCommand.Undrain => _target.Undrain(request.Name!),
                ControlCommand.Weight => _target.Weight(request.Name!, request.Number!.Value),
                ControlCommand.Conns => _target.Connections(request.Number!.Value),
                ControlCommand.Lookup => _target.Lookup(request.Flow!.Value),
                _ => throw new ArgumentOutOfRangeException(nameof(request), request.Command, "not a control command"),
            };
            Counters.Count(ControlResult.Served);
            return reply;
        }
        catch (Exception e)
        {
            Counters.Count(ControlResult.Failed);
            _log.Error($"control command '{request.Command.ToString().ToLowerInvariant()}' failed: {e.Message}");
            return ControlReply.Error(e.Message);
        }
    }

    private string Refuse(ControlRefusal refusal)
    {
        Counters.Count(refusal.Reason);
        _log.Trace($"control request refused ({refusal.Reason}): {refusal.Message}");
        return ControlReply.NotServed(refusal.Message);
    }

    /// <summary>
    /// Writes the reply, ends the connection from this side, then reads what the client still sends until it closes
    /// (bounded): closing with unread bytes would turn the client's end of the reply into a reset.
    /// </summary>
    private async Task FinishAsync(Socket client, string reply)
    {
        using (var writing = new CancellationTokenSource(_limits.ReplyTimeout))
        {
            var bytes = Encoding.UTF8.GetBytes(reply.EndsWith('\n') ? reply : reply + "\n");
            for (var sent = 0; sent < bytes.Length;)
                sent += await client.SendAsync(bytes.AsMemory(sent), SocketFlags.None, writing.Token);
        }
        client.Shutdown(SocketShutdown.Send);
        using var draining = new CancellationTokenSource(_limits.RequestTimeout);
        var scratch = new byte[_limits.MaxRequestBytes];
        for (var drained = 0; drained < 64 * _limits.MaxRequestBytes;)
        {
            var read = await client.ReceiveAsync(scratch, SocketFlags.None, draining.Token);
            if (read == 0) return;
            drained += read;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        try { _listener.Shutdown(SocketShutdown.Both); } catch (SocketException) { }
        _listener.Dispose();
        try { File.Delete(_path); } catch (IOException) { }
    }
}
