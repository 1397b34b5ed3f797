using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace Sharpcracker.Engine.Tls;

/// <summary>What <see cref="TlsTransport.Pump"/> left behind.</summary>
internal enum TlsProgress : byte
{
    /// <summary>Nothing more to do until the socket is readable again.</summary>
    Waiting,
    /// <summary>The handshake finished during this call.</summary>
    Ready,
    /// <summary>The handshake or the record layer failed (<see cref="TlsTransport.Failure"/>), or the socket did.</summary>
    Failed,
}
