namespace Lb.Engine.PacketIo.Xdp;

/// <summary>The AF_XDP path cannot run here (no libxdp, no program file, the driver refused it): the engine falls back to its rings.</summary>
public sealed class XdpUnavailableException(string message) : Exception(message);
