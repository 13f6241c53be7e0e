using System.Net;
using System.Net.Sockets;
using System.Text;
using Lb.Engine.Runtime;

namespace Lb.Engine.Metrics;

/// <summary>
/// A deliberately tiny HTTP/1.x server for Prometheus: <c>GET /metrics</c> (query string ignored) answers the text
/// format, anything else 404/405; one request per connection, then close. A raw TcpListener rather than HttpListener:
/// nothing to register, works in any network namespace, and one thread is plenty for a scrape every few seconds.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    private const int MaxRequestBytes = 8192;

    private readonly Func<string> _metrics;
    private readonly EngineLog _log;
    private readonly TcpListener _listener;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public MetricsServer(IPEndPoint endpoint, Func<string> metrics, EngineLog log)
    {
        _metrics = metrics;
        _log = log;
        _listener = new TcpListener(endpoint);
        try
        {
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start(16);
        }
        catch (SocketException e)
        {
            _listener.Server.Dispose();
            throw new StartupException($"cannot serve metrics on {endpoint} ({e.Message}); fix \"metrics.listen\" (an address of this host, a free port)");
        }
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "lbengine-metrics" };
        _thread.Start();
    }

    /// <summary>The bound endpoint (with the real port when constructed with port 0, as tests do).</summary>
    public IPEndPoint Endpoint { get; }

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket client;
            try
            {
                client = _listener.AcceptSocket();
            }
            catch (Exception) when (_stopping)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Warn($"metrics accept failed: {e.Message}");
                continue;
            }
            using (client)
            {
                try
                {
                    client.ReceiveTimeout = 2000;
                    client.SendTimeout = 2000;
                    Respond(client, ReadRequestLine(client));
                    client.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException e)
                {
                    if (_log.Verbose) _log.Trace($"metrics client went away: {e.Message}");
                }
            }
        }
    }

    /// <summary>Reads the request head (up to the blank line) and returns its first line.</summary>
    private static string ReadRequestLine(Socket client)
    {
        var buffer = new byte[MaxRequestBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = client.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            if (read == 0) break;
            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0 || buffer.AsSpan(0, length).IndexOf("\n\n"u8) >= 0) break;
        }
        var text = Encoding.ASCII.GetString(buffer, 0, length);
        var end = text.IndexOf('\n');
        return (end < 0 ? text : text[..end]).TrimEnd('\r');
    }

    private void Respond(Socket client, string requestLine)
    {
        var parts = requestLine.Split(' ');
        var path = parts.Length >= 2 ? parts[1].Split('?')[0] : "";
        var (status, contentType, body) = parts.Length < 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal)
            ? ("400 Bad Request", "text/plain; charset=utf-8", "bad request\n")
            : path != "/metrics" ? ("404 Not Found", "text/plain; charset=utf-8", "not found; metrics are at /metrics\n")
            : parts[0] is not ("GET" or "HEAD") ? ("405 Method Not Allowed", "text/plain; charset=utf-8", "use GET\n")
            : ("200 OK", PrometheusText.ContentType, _metrics());
        var payload = Encoding.UTF8.GetBytes(body);
        var head = Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\n" +
            (status.StartsWith("405", StringComparison.Ordinal) ? "Allow: GET, HEAD\r\n" : "") + "Connection: close\r\n\r\n");
        client.Send(head);
        if (parts[0] != "HEAD") client.Send(payload);
    }

    public void Dispose()
    {
        _stopping = true;
        _listener.Stop();
        _thread.Join(TimeSpan.FromSeconds(1));
    }
}
