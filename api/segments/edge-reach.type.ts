/** GraphQL types of edge reach: who the edge tagged with a segment, and what an edge rule would have tagged. */
import { Field, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';

@ObjectType({
  description:
    'Distinct visitors the edge tagged with a segment, from the page views the Worker reports (bots are never reported). A visitor is one browser, or one person once identified. Counted whatever version was live.',
})
export class EdgeReach {
  @Field(() => Int, { description: 'Visitors tagged in the last 24 hours.' })
  lastDay!: number;
  @Field(() => Int, { description: 'Visitors tagged in the last 7 days.' })
  last7Days!: number;
  @Field(() => Int, { description: 'Visitors tagged in the last 30 days.' })
  last30Days!: number;
}

@ObjectType({
  description:
    "What an edge rule would have tagged: the workspace's recent page views replayed against it, each with the request the Worker saw (page, referrer, geography, device) and the visitor's earlier page views.",
})
export class EdgeReachPreview {
  @Field(() => Int, { description: 'The window replayed, in days before now (7).' })
  days!: number;
  @Field(() => GraphQLDateTime, { description: 'Start of the window (exclusive).' })
  from!: Date;
  @Field(() => GraphQLDateTime, { description: 'End of the window: now.' })
  to!: Date;
  @Field(() => Int, { description: 'Page views replayed (the latest 20,000 of the window at most).' })
  visits!: number;
  @Field(() => Int, { description: 'Distinct visitors among them.' })
  visitors!: number;
  @Field(() => Int, { description: 'Page views the rule would have tagged.' })
  matchedVisits!: number;
  @Field(() => Int, { description: 'Distinct visitors it would have tagged at least once: its reach over the window.' })
  matchedVisitors!: number;
  @Field(() => Boolean, { description: 'False when the window held more page views than were replayed (the latest were); the counts are then a sample.' })
  complete!: boolean;
}
