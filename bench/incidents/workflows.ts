// The workflows the bench's own worker runs: the bare floor and the fair peer.
export { bareOneUpdate } from './bare.workflow';
export { peerIncident } from './peer.workflow';
