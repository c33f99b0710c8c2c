/**
 * The facts the findings need are collected by the TCP stage (one collector
 * per TcpConnection, fed in TcpConnection.segment()); re-exported here for the
 * findings' users.
 */
export * from '../tcp/facts.js';
