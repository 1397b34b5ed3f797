namespace Sharpcracker.Pools.Routes;

/// <summary>A terminal over several pools (failover, replicated, warm-up): the pools a request may go to, in the order it tries them.</summary>
internal interface IChildPools
{
    ServerPool[] Pools { get; }
}
