mod accuracy;
mod cli;
mod common;
mod gpu;
mod shaders;
mod transfer;
mod translate;
