using Sharpcracker.Engine;
using Sharpcracker.Protocols.Memcached;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Tests.Engine;

/// <summary>The split plan on its own: grouping by target, request order, duplicates, and reuse after a reset.</summary>
public sealed class SplitPlanTests
{
    /// <summary>Adds keys with the given targets (server = target + 100, so the two are told apart).</summary>
    private static void AddAll(SplitPlan plan, params int[] targets)
    {
        foreach (var target in targets)
        {
            plan.Add(target, target + 100);
        }
    }

    private static int[] KeysOf(SplitPlan plan, int fragment)
        => [.. Enumerable.Range(0, plan.KeyCount).Where(k => plan.FragmentOf(k) == fragment)];

    [Fact]
    public void GroupsKeysByTarget_OneFragmentPerTargetInOrderOfFirstKey()
    {
        var plan = new SplitPlan();
        AddAll(plan, 7, 2, 7, 5, 2, 7);
        Assert.Equal(6, plan.KeyCount);
        Assert.Equal(3, plan.FragmentCount);
        Assert.Equal([7, 2, 5], Enumerable.Range(0, 3).Select(plan.TargetOf));
        Assert.Equal([107, 102, 105], Enumerable.Range(0, 3).Select(plan.ServerOf));
        Assert.Equal([0, 1, 0, 2, 1, 0], Enumerable.Range(0, plan.KeyCount).Select(plan.FragmentOf));
        // Each fragment's keys in request order.
        Assert.Equal([0, 2, 5], KeysOf(plan, 0));
        Assert.Equal([1, 4], KeysOf(plan, 1));
        Assert.Equal([3], KeysOf(plan, 2));
        Assert.Equal([3, 2, 1], Enumerable.Range(0, 3).Select(plan.KeyCountOf));
    }

    [Fact]
    public void DuplicateKeysAreKept_EachCountsInItsFragment()
    {
        var plan = new SplitPlan();
        // The same key twice routes to the same target twice: two entries, one fragment.
        Assert.Equal(0, plan.Add(4, 1));
        Assert.Equal(0, plan.Add(4, 1));
        Assert.Equal(1, plan.Add(9, 2));
        Assert.Equal(0, plan.Add(4, 1));
        Assert.Equal(4, plan.KeyCount);
        Assert.Equal(2, plan.FragmentCount);
        Assert.Equal(3, plan.KeyCountOf(0));
        Assert.Equal(1, plan.KeyCountOf(1));
    }

    [Fact]
    public void OneTarget_IsOneFragment()
    {
        var plan = new SplitPlan();
        AddAll(plan, 3, 3, 3);
        Assert.Equal(1, plan.FragmentCount);
        Assert.Equal(103, plan.ServerOf(0));
    }

    [Fact]
    public void TargetsAreGroupsNotServers_TwoSlotsOnOneServerAreTwoFragments()
    {
        // redis_cluster: one fragment per hash slot even where one node owns both.
        var plan = new SplitPlan();
        plan.Add(target: 1200, server: 0);
        plan.Add(target: 866, server: 0);
        plan.Add(target: 1200, server: 0);
        Assert.Equal(2, plan.FragmentCount);
        Assert.Equal(0, plan.ServerOf(0));
        Assert.Equal(0, plan.ServerOf(1));
        Assert.Equal([0, 1, 0], Enumerable.Range(0, 3).Select(plan.FragmentOf));
    }

    [Fact]
    public void ReuseAfterReset_StartsEmpty_NoTargetOfTheLastSplitRemains()
    {
        var plan = new SplitPlan();
        AddAll(plan, 1, 2, 3, 1);
        plan.Reset();
        Assert.Equal(0, plan.KeyCount);
        Assert.Equal(0, plan.FragmentCount);
        // Target 3 was fragment 2 before: now it is the first fragment, target 1 a new one.
        AddAll(plan, 3, 1, 3);
        Assert.Equal(2, plan.FragmentCount);
        Assert.Equal([3, 1], Enumerable.Range(0, 2).Select(plan.TargetOf));
        Assert.Equal([0, 1, 0], Enumerable.Range(0, 3).Select(plan.FragmentOf));
        Assert.Equal([2, 1], Enumerable.Range(0, 2).Select(plan.KeyCountOf));
    }

    [Fact]
    public void ReuseAfterAnExceptionMidSplit_ResetLeavesNothingBehind()
    {
        var plan = new SplitPlan();
        // A split abandoned half way (a routing hook throwing after some keys were added) ...
        Action abandoned = () =>
        {
            AddAll(plan, 5, 6, 5);
            throw new InvalidOperationException("routing failed");
        };
        Assert.Throws<InvalidOperationException>(abandoned);
        // ... is cleared by the reset the request's recycling does, and the next split sees none of it.
        plan.Reset();
        AddAll(plan, 6, 8);
        Assert.Equal(2, plan.KeyCount);
        Assert.Equal(2, plan.FragmentCount);
        Assert.Equal([6, 8], Enumerable.Range(0, 2).Select(plan.TargetOf));
        Assert.Equal([1, 1], Enumerable.Range(0, 2).Select(plan.KeyCountOf));
    }

    [Fact]
    public void ManyTargets_ClusterSlots_GroupAndResetCorrectly()
    {
        // An MGET over many slots: more targets than the initial table, colliding ones included.
        var plan = new SplitPlan();
        var targets = Enumerable.Range(0, 3000).Select(i => (i * 7919) % 16384).ToArray();
        for (var round = 0; round < 3; round++)
        {
            foreach (var t in targets)
            {
                plan.Add(t, t % 3);
            }
            foreach (var t in targets)
            {
                plan.Add(t, t % 3); // every key again: duplicates join their fragment
            }
            var distinct = targets.Distinct().Count();
            Assert.Equal(distinct, plan.FragmentCount);
            Assert.Equal(2 * targets.Length, plan.KeyCount);
            for (var k = 0; k < targets.Length; k++)
            {
                Assert.Equal(targets[k], plan.TargetOf(plan.FragmentOf(k)));
                Assert.Equal(plan.FragmentOf(k), plan.FragmentOf(k + targets.Length));
            }
            plan.Reset();
            Assert.Equal(0, plan.FragmentCount);
            // A small split after the big one finds no stale target.
            plan.Add(targets[^1], 1);
            Assert.Equal(1, plan.FragmentCount);
            Assert.Equal(0, plan.FragmentOf(0));
            plan.Reset();
        }
    }

    [Fact]
    public void SteadyState_PlanningAllocatesNothing()
    {
        var plan = new SplitPlan();
        void Round()
        {
            for (var i = 0; i < 64; i++)
            {
                plan.Add(i % 5, i % 5);
            }
            plan.Reset();
        }
        Round(); // grows the arrays once
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var n = 0; n < 100; n++)
        {
            Round();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ThePlanIsTheRequests_ResetWithIt_EvenAfterASplitAbandonedHalfWay()
    {
        // The session is not needed to plan or reset (a split's state lives in the request only).
        var memcached = new McRequest(null!);
        var redis = new RedisRequest(null!);
        foreach (var plan in new[] { memcached.Plan, redis.Plan })
        {
            AddAll(plan, 1, 2, 1);
        }
        memcached.Reset();
        redis.Reset();
        foreach (var plan in new[] { memcached.Plan, redis.Plan })
        {
            Assert.Equal(0, plan.KeyCount);
            Assert.Equal(0, plan.FragmentCount);
            AddAll(plan, 2);
            Assert.Equal(0, plan.FragmentOf(0)); // target 2 was fragment 1 of the abandoned split
        }
        Assert.Same(memcached.Plan, memcached.Plan); // made once, kept with the pooled request
    }
}
