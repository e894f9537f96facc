/**
 * The composition model: {@code Unikernel.builder()} states which OS parts an application needs,
 * type-checked so that impossible compositions do not compile, and yields a {@code Plan} that the
 * image linker evaluates and the hosted platform runs.
 */
module dev.pith.dsl {
    requires transitive dev.pith.core;
    requires transitive dev.pith.net;
    requires transitive dev.pith.block;

    exports dev.pith;
}
