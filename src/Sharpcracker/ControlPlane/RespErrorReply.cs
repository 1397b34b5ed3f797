using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Sharpcracker.ControlPlane;

/// <summary>An error reply (<c>-ERR …</c>) read by <see cref="RespClient"/> (its text without the leading '-').</summary>
internal sealed record RespErrorReply(string Message);
