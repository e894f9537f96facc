/**
 * The parts a unikernel is assembled from, each a {@link dev.pith.core.Component} built with plain
 * constructor calls from the parts it needs: the hosted runtime builds them by interpreting a
 * plan, and the image linker's generated boot class builds exactly the ones a plan names, so that
 * reachability from that class is the true set of classes to keep. Not exported: public only so
 * that generated code on the class path can call it.
 */
package dev.pith.internal;
