//! The planner: a pure function from a planning problem to a plan.
