using System.Net.Sockets;
using System.Text;
using Lb.Engine.Hosting;

namespace Lb.Engine.Control;

/// <summary>
/// The Unix stream control socket: a client writes one line (stats, reload, drain NAME, undrain NAME, health, metrics),
/// the server writes one JSON document (metrics: Prometheus text) and closes. Runs on its own thread, off the packet path.
/// </summary>
public sealed class ControlServer : IDisposable
{
    private const int MaxCommandLength = 1024;

    private readonly string _path;
    private readonly IControlTarget _target;
    private readonly EngineLog _log;
    private readonly Socket _listener;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public ControlServer(string path, IControlTarget target, EngineLog log)
    {
        _path = path;
        _target = target;
        _log = log;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        if (Path.Exists(path))
        {
            if (IsListening(path))
                throw new StartupException($"another engine already answers on control socket {path}; stop it first or change \"control_socket\"");
            File.Delete(path); // stale socket of an engine that did not exit cleanly
        }
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(path));
            _listener.Listen(16);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new StartupException($"cannot listen on control socket {path} ({e.Message}); fix \"control_socket\" or the directory's permissions");
        }
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "lbengine-control" };
        _thread.Start();
    }

    private static bool IsListening(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

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
                _log.Warn($"control socket accept failed: {e.Message}");
                continue;
            }
            using (client)
            {
                try
                {
                    client.ReceiveTimeout = 2000;
                    client.SendTimeout = 2000;
                    var command = ReadLine(client);
                    var reply = Dispatch(command);
                    client.Send(Encoding.UTF8.GetBytes(reply.EndsWith('\n') ? reply : reply + "\n"));
                    client.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException e)
                {
                    _log.Warn($"control client went away: {e.Message}");
                }
            }
        }
    }

    private static string ReadLine(Socket client)
    {
        var buffer = new byte[MaxCommandLength];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = client.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            if (read == 0) break;
            length += read;
            if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0) break;
        }
        var text = Encoding.UTF8.GetString(buffer, 0, length);
        var newline = text.IndexOf('\n');
        return (newline < 0 ? text : text[..newline]).Trim();
    }

    internal string Dispatch(string command)
    {
        var space = command.IndexOf(' ');
        var verb = space < 0 ? command : command[..space];
        var argument = space < 0 ? "" : command[(space + 1)..].Trim();
        try
        {
            return verb switch
            {
                "stats" => _target.Stats(),
                "health" => _target.Health(),
                "metrics" => _target.Metrics(),
                "reload" => _target.Reload(),
                "drain" when argument.Length > 0 => _target.Drain(argument),
                "undrain" when argument.Length > 0 => _target.Undrain(argument),
                "drain" or "undrain" => ControlReply.Error($"'{verb}' needs a DIP name, e.g. '{verb} h13'"),
                _ => ControlReply.Error($"unknown command '{command}'; use stats, reload, drain NAME, undrain NAME, health or metrics"),
            };
        }
        catch (Exception e)
        {
            _log.Error($"control command '{command}' failed: {e.Message}");
            return ControlReply.Error(e.Message);
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
