using System.Reflection;
using System.Reflection.Emit;
using Sharpcracker.Engine;

namespace Sharpcracker.Tests;

/// <summary>
/// Dependencies point one way (docs/architecture.md, "Layers"): a type may use types of its own
/// layer and of the layers below it, never above. Read from the compiled assembly — base types,
/// interfaces, fields, signatures and every type, method and field a method body refers to — so a
/// fully qualified name or a <c>global using</c> cannot hide a dependency the way it could from a
/// look at the source.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Bottom first. A namespace belongs to the longest prefix listed here.</summary>
    private static readonly string[][] Layers =
    [
        ["Sharpcracker.Common"],
        ["Sharpcracker.Routing"],
        ["Sharpcracker.Configuration"],
        ["Sharpcracker.Stats"],
        ["Sharpcracker.Engine"],
        ["Sharpcracker.Pools"],
        // The two protocols are one layer and never use each other.
        ["Sharpcracker.Protocols.Memcached", "Sharpcracker.Protocols.Redis"],
        ["Sharpcracker.ControlPlane"],
        ["Sharpcracker.OperatorConsole"],
        ["Sharpcracker.Hosting", "Sharpcracker"],
    ];

    /// <summary>The layer whose namespaces must not use each other.</summary>
    private const int Protocols = 6;

    private static readonly Dictionary<int, OpCode> OneByte = [];
    private static readonly Dictionary<int, OpCode> TwoByte = [];

    static LayeringTests()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            if (op.Size == 1)
            {
                OneByte[op.Value & 0xff] = op;
            }
            else
            {
                TwoByte[op.Value & 0xff] = op;
            }
        }
    }

    [Fact]
    public void EveryTypeUsesOnlyItsOwnLayerAndTheOnesBelow()
    {
        var assembly = typeof(Worker).Assembly;
        var violations = new SortedSet<string>();
        foreach (var type in assembly.GetTypes())
        {
            if (Outer(type).Namespace?.StartsWith("Sharpcracker", StringComparison.Ordinal) != true)
            {
                continue; // compiler-generated (<PrivateImplementationDetails>, embedded attributes)
            }
            var from = LayerOf(type);
            Assert.True(from.Index >= 0, $"{type.FullName}: its namespace is in no layer");
            foreach (var used in UsedTypes(type))
            {
                if (used.Assembly != assembly || Outer(used).Namespace?.StartsWith("Sharpcracker", StringComparison.Ordinal) != true)
                {
                    continue;
                }
                var to = LayerOf(used);
                if (to.Index > from.Index || (to.Index == from.Index && to.Name != from.Name && from.Index == Protocols))
                {
                    violations.Add($"{Outer(type).FullName} ({from.Name}) uses {Outer(used).FullName} ({to.Name})");
                }
            }
        }
        Assert.True(violations.Count == 0, "Dependencies that point up:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void TheRuleSeesADependencyHiddenInAMethodBody()
    {
        // The test's own reader must find what a body refers to, or the rule above proves nothing.
        Assert.Contains(typeof(WorkerGroup), UsedTypes(typeof(ProbeOfTheReader)));
    }

    [Fact]
    public void EveryTypeIsInternal()
    {
        var visible = typeof(Worker).Assembly.GetExportedTypes().Select(t => t.FullName).ToList();
        Assert.True(visible.Count == 0, "public types in the executable: " + string.Join(", ", visible));
    }

    private static Type Outer(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }
        return type;
    }

    private static (int Index, string Name) LayerOf(Type type)
    {
        var ns = Outer(type).Namespace ?? "";
        var best = (Index: -1, Name: "");
        for (var i = 0; i < Layers.Length; i++)
        {
            foreach (var prefix in Layers[i])
            {
                var matches = ns == prefix || (prefix != "Sharpcracker" && ns.StartsWith(prefix + ".", StringComparison.Ordinal));
                if (matches && prefix.Length > best.Name.Length)
                {
                    best = (i, prefix);
                }
            }
        }
        return best;
    }

    private static HashSet<Type> UsedTypes(Type type)
    {
        var used = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null)
            {
                return;
            }
            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }
                t = t.GetGenericTypeDefinition();
            }
            if (!t.IsGenericParameter)
            {
                used.Add(t);
            }
        }
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }
        foreach (var field in type.GetFields(All))
        {
            Add(field.FieldType);
        }
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }
            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }
            if (method.GetMethodBody() is not { } body)
            {
                continue;
            }
            foreach (var local in body.LocalVariables)
            {
                Add(local.LocalType);
            }
            foreach (var member in ReferencedMembers(method, body.GetILAsByteArray() ?? []))
            {
                switch (member)
                {
                    case Type t:
                        Add(t);
                        break;
                    case MethodBase m:
                        Add(m.DeclaringType);
                        if (m is MethodInfo mi)
                        {
                            Add(mi.ReturnType);
                        }
                        break;
                    case FieldInfo f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                }
            }
        }
        return used;
    }

    private static IEnumerable<MemberInfo> ReferencedMembers(MethodBase method, byte[] il)
    {
        var module = method.Module;
        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            OpCode op;
            if (il[i] == 0xfe)
            {
                op = TwoByte[il[i + 1]];
                i += 2;
            }
            else
            {
                op = OneByte[il[i]];
                i++;
            }
            switch (op.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, i);
                    MemberInfo? member = null;
                    try
                    {
                        member = module.ResolveMember(token, typeArgs, methodArgs);
                    }
                    catch (ArgumentException)
                    {
                    }
                    if (member is not null)
                    {
                        yield return member;
                    }
                    i += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, i);
                    i += 4 + (4 * count);
                    break;
                default: // InlineBrTarget, InlineI, InlineSig, InlineString, ShortInlineR
                    i += 4;
                    break;
            }
        }
    }

    /// <summary>Refers to <see cref="WorkerGroup"/> only inside a method body.</summary>
    private static class ProbeOfTheReader
    {
        public static object Make() => typeof(WorkerGroup).Name;
    }
}
