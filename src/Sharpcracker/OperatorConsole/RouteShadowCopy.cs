using Sharpcracker.Pools.Routes;

namespace Sharpcracker.OperatorConsole;

/// <summary>A shadow node on the key's path: whether the key is in its fraction, and whether this node is the one that copies (the outermost in fraction).</summary>
internal sealed record RouteShadowCopy(ShadowRoute Node, bool InFraction, bool Copies, RoutePoolChoice Target);
