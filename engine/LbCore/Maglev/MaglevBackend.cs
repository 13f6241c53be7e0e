using Lb.Core.Addressing;

namespace Lb.Core.Maglev;

/// <summary>A backend (DIP) in a Maglev table. Weight 0 keeps it out of the table: it receives no new flows.</summary>
public sealed record MaglevBackend(string Name, Ipv4Address Address, int Weight = 1);
