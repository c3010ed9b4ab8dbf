import { mountPage } from '../shell';
import { InstructorSessions } from '../pages/InstructorSessions';

mountPage(InstructorSessions, { wide: false });
