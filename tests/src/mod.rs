mod accuracy;
mod cli;
mod common;
mod gpu;
mod shaders;
mod stream;
mod transfer;
mod translate;
